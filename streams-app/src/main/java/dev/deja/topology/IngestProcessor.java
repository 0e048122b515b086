package dev.deja.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deja.config.Rule;
import dev.deja.event.ContentMd5;
import dev.deja.event.MalformedEventException;
import dev.deja.event.MinioEvents;
import dev.deja.model.HashJob;
import dev.deja.model.S3Object;
import dev.deja.model.Upload;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses MinIO bucket events, matches every record against the rules, and routes each
 * (object, rule) by dedup key to its {@link CachedAnswerProcessor}, called in place: a cache hit is
 * answered within this one processor node. Objects whose ETag is not their MD5 go to hashing first;
 * bad events go to the dead-letter topic with the reason, and processing goes on.
 */
final class IngestProcessor implements Processor<byte[], byte[], String, Ingested> {

    private static final Logger LOG = LoggerFactory.getLogger(IngestProcessor.class);
    static final String REMOVED_PREFIX = "s3:ObjectRemoved:";

    private final List<Rule> rules;
    private final Function<String, String> actionVersions;
    private final TopologyMetrics metrics;
    private final long maxSkewMs;
    private final int maxRecordBytes;
    private final CachedAnswerProcessor answers;
    private ProcessorContext<String, Ingested> context;
    private boolean skewLogged;

    /** @param answers this task's cached-answer step for the uploads routed here (its forwards are this processor's) */
    IngestProcessor(List<Rule> rules, Function<String, String> actionVersions, long maxSkewMs, TopologyMetrics metrics,
            int maxRecordBytes, CachedAnswerProcessor answers) {
        this.rules = rules;
        this.actionVersions = actionVersions;
        this.maxSkewMs = maxSkewMs;
        this.metrics = metrics;
        this.maxRecordBytes = maxRecordBytes;
        this.answers = answers;
    }

    @Override
    public void init(ProcessorContext<String, Ingested> context) {
        this.context = context;
        answers.init(context);
    }

    @Override
    public void close() {
        answers.close();
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        metrics.eventIn();
        MinioEvents.Parsed parsed;
        try {
            parsed = MinioEvents.parse(record.value());
        } catch (MalformedEventException e) {
            reject(record, e.getMessage());
            return;
        }
        List<String> rejected = new ArrayList<>(parsed.rejected());
        for (int i = 0; i < parsed.objects().size(); i++) {
            S3Object object = parsed.objects().get(i);
            String tooLong = ObjectBounds.violation(object);
            if (tooLong != null) {
                rejected.add("Records[" + i + "]: " + tooLong);
            } else {
                route(record, object);
            }
        }
        if (!rejected.isEmpty()) {
            reject(record, DeadLetters.reasons(rejected));
        }
    }

    private void route(Record<byte[], byte[]> record, S3Object object) {
        List<Upload> matched = new ArrayList<>();
        Optional<String> md5 = null;
        long recordTime = record.timestamp();
        long eventTime = eventTimeMs(object, Long.MIN_VALUE);
        Long skewed = null;
        long now = context.currentSystemTimeMs();
        if (eventTime == Long.MIN_VALUE || Math.abs(eventTime - recordTime) > maxSkewMs || eventTime > now + maxSkewMs) {
            // Out of band (or unreadable): the record's time stands in, and the payload's drives no store.
            skewed = eventTime == Long.MIN_VALUE ? Math.min(recordTime, now) : eventTime;
            eventTime = Math.min(recordTime, now);
            if (object.eventTime() != null) {
                logSkew(object, recordTime);
            }
        }
        for (Rule rule : rules) {
            if (!rule.matches(object)) {
                continue;
            }
            String version = actionVersions.apply(rule.action());
            if (version == null) {
                throw new IllegalStateException("no version known for action " + rule.action());
            }
            if (md5 == null) {
                md5 = object.eventName().startsWith(REMOVED_PREFIX)
                        ? Optional.of("event-" + md5Hex(object.eventId()))
                        : ContentMd5.fromETag(object);
            }
            // The params are built for a stored hash job, which keeps them: this rule may have changed by the time the
            // hash is known. An upload with its MD5 gets them only if it goes on to the dedup stage (a cache hit needs none).
            matched.add(new Upload(object, rule.name(), rule.action(), version, rule.paramsHash(),
                    md5.isPresent() ? null : invocationParams(rule, object), null, null, eventTime, skewed));
        }
        if (matched.isEmpty()) {
            return;
        }
        if (md5.isPresent()) {
            for (Upload upload : matched) {
                Upload keyed = upload.withContentMd5(md5.get());
                answers.process(new Record<>(keyed.dedupKey(), keyed, record.timestamp(), record.headers()));
            }
        } else {
            RecordMetadata source = context.recordMetadata().orElseThrow();
            HashJob job = new HashJob(List.copyOf(matched), source.topic(), source.partition(), source.offset(),
                    context.currentSystemTimeMs());
            context.forward(new Record<>(object.eventId(), (Ingested) new Ingested.NeedsHash(job), record.timestamp()));
        }
    }

    /**
     * The action's parameters: the rule's static ones, plus the object that triggered it. The
     * {@code eTag} and {@code versionId} pin the bytes the event describes: the action is to read
     * that version with {@code If-Match: eTag}, so that an object overwritten since is a failure,
     * never a result stored under the old content's MD5.
     */
    static JsonNode invocationParams(Rule rule, S3Object object) {
        ObjectNode params = rule.params().deepCopy();
        params.put("bucket", object.bucket());
        params.put("key", object.key());
        if (object.eTag() != null) {
            params.put("eTag", object.eTag());
        }
        if (object.versionId() != null && !object.versionId().equals("null")) {
            params.put("versionId", object.versionId());
        }
        if (object.size() != null) {
            params.put("size", object.size());
        }
        params.put("eventName", object.eventName());
        return params;
    }

    private void reject(Record<byte[], byte[]> record, String reason) {
        RecordMetadata source = context.recordMetadata().orElseThrow();
        metrics.deadLetter(reason);
        LOG.warn("bad event at {}-{}@{}: {} (sent to the dead-letter topic)", source.topic(), source.partition(),
                source.offset(), reason);
        DeadLetters.Letter letter = DeadLetters.letter(record.key(), record.value(), DeadLetters.headers(reason,
                MalformedEventException.class.getName(), source.topic(), source.partition(), source.offset()),
                maxRecordBytes);
        context.forward(new Record<String, Ingested>(null, new Ingested.Rejected(letter.key(), letter.value()),
                record.timestamp(), letter.headers()));
    }

    private void logSkew(S3Object object, long recordTime) {
        String message = "event {} has eventTime {}, more than {} ms from its Kafka record's time {} (or ahead of this clock):"
                + " its record's time is used instead";
        if (!skewLogged) {
            skewLogged = true;
            LOG.warn(message + "; further ones are logged at DEBUG", object.eventId(), object.eventTime(), maxSkewMs,
                    Instant.ofEpochMilli(recordTime));
        } else {
            LOG.debug(message, object.eventId(), object.eventTime(), maxSkewMs, Instant.ofEpochMilli(recordTime));
        }
    }

    private static long eventTimeMs(S3Object object, long fallback) {
        if (object.eventTime() == null) {
            return fallback;
        }
        long fast = utcMillis(object.eventTime());
        if (fast != Long.MIN_VALUE) {
            return fast;
        }
        try {
            return Instant.parse(object.eventTime()).toEpochMilli();
        } catch (DateTimeParseException e) {
            return fallback;
        }
    }

    /**
     * MinIO's own time format, {@code 2006-01-02T15:04:05.000Z} (fraction optional, up to 9 digits),
     * read without {@link Instant#parse}, which costs more than the rest of an event's parsing;
     * {@link Long#MIN_VALUE} for any other form.
     */
    static long utcMillis(String text) {
        int n = text.length();
        if (n < 20 || text.charAt(n - 1) != 'Z' || text.charAt(4) != '-' || text.charAt(7) != '-'
                || text.charAt(10) != 'T' || text.charAt(13) != ':' || text.charAt(16) != ':') {
            return Long.MIN_VALUE;
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 7);
        int day = digits(text, 8, 10);
        int hour = digits(text, 11, 13);
        int minute = digits(text, 14, 16);
        int second = digits(text, 17, 19);
        int millis = 0;
        if (n > 20) {
            int fractionDigits = n - 21;
            if (text.charAt(19) != '.' || fractionDigits < 1 || fractionDigits > 9 || digits(text, 20, n - 1) < 0) {
                return Long.MIN_VALUE;
            }
            int kept = Math.min(3, fractionDigits);
            millis = digits(text, 20, 20 + kept) * (kept == 1 ? 100 : kept == 2 ? 10 : 1);
        }
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59
                || hour < 0 || minute < 0 || second < 0 || millis < 0 || day > YearMonth.of(year, month).lengthOfMonth()) {
            return Long.MIN_VALUE;
        }
        long days = LocalDate.of(year, month, day).toEpochDay();
        return ((days * 24 + hour) * 60 + minute) * 60_000L + second * 1000L + millis;
    }

    /** The decimal number in {@code text[from, to)}; -1 if a character is not a digit. */
    private static int digits(String text, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    static String md5Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
