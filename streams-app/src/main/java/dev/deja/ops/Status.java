package dev.deja.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.deja.config.DejaConfig;
import dev.deja.mirror.CouchSettings;
import dev.deja.mirror.MirrorDoc;
import dev.deja.mirror.MirrorQueries;
import dev.deja.serde.Json;
import dev.deja.serde.JsonSerde;
import dev.deja.model.OutputRecord;
import dev.deja.model.TableEntry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;

/**
 * {@code deja status}: what the dedup table says about a dedup key, a content MD5 or an object.
 * Asks the running application's admin endpoint first ({@code /entries/KEY}, {@code /md5/MD5}:
 * the live table), then the CouchDB mirror (which may lag). For {@code bucket/object}, the latest
 * output records of that key are read from the output topic (backwards from its end, at most
 * {@link #OUTPUT_SCAN_LIMIT} records of the key's partition), then the entry of each.
 */
public final class Status {

    public static final int OUTPUT_SCAN_LIMIT = 100_000;
    private static final int SCAN_CHUNK = 1_000;
    private static final Pattern MD5_PATTERN = Pattern.compile("[0-9a-fA-F]{32}");
    private static final Pattern DEDUP_KEY_PATTERN = Pattern.compile(".+@.*#[0-9a-fA-F]*:[0-9a-fA-F]{32}");
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(10);

    /** What the argument names. */
    public enum Kind {
        DEDUP_KEY, MD5, OBJECT;

        public static Kind of(String target) {
            if (MD5_PATTERN.matcher(target).matches()) {
                return MD5;
            }
            if (DEDUP_KEY_PATTERN.matcher(target).matches() || !target.contains("/")) {
                return DEDUP_KEY;
            }
            return OBJECT;
        }
    }

    /** One entry in the form a person reads, from the live table or the mirror ({@code source}). */
    public record EntryView(String dedupKey, String status, String action, String actionVersion, String md5,
            JsonNode result, String resultRef, String error, String activationId, long hits, String firstSeen,
            String lastSeen, List<String> samples, String source) {

        static EntryView of(TableEntry e, String source) {
            List<String> samples = e.samples() == null ? List.of() : e.samples().stream().map(s -> s.path()).toList();
            return new EntryView(e.dedupKey(), e.status() == null ? null : e.status().name(), e.action(), e.actionVersion(),
                    e.contentMd5(), e.result(), e.resultRef(), e.error(), e.activationId(), e.hits(),
                    Instant.ofEpochMilli(e.firstSeenMs()).toString(), Instant.ofEpochMilli(e.lastSeenMs()).toString(),
                    samples, source);
        }

        static EntryView of(MirrorDoc d, String source) {
            List<String> samples = d.samples() == null ? List.of()
                    : d.samples().stream().map(s -> s.bucket() + "/" + s.key()).toList();
            return new EntryView(d.dedupKey(), d.status(), d.action(), d.actionVersion(), d.md5(), d.result(),
                    d.resultRef(), d.error(), d.activationId(), d.hits(), d.firstSeen(), d.lastSeen(), samples, source);
        }

        /** The entry as aligned {@code name  value} lines. */
        public List<String> lines() {
            List<String> lines = new ArrayList<>();
            lines.add("dedup key    " + dedupKey);
            lines.add("status       " + status);
            lines.add("action       " + action + "@" + actionVersion);
            lines.add("md5          " + md5);
            if (result != null && !result.isNull()) {
                lines.add("result       " + result);
            }
            if (resultRef != null) {
                lines.add("result ref   " + resultRef);
            }
            if (error != null) {
                lines.add("error        " + error);
            }
            if (activationId != null) {
                lines.add("activation   " + activationId);
            }
            lines.add("hits         " + hits);
            lines.add("first seen   " + firstSeen);
            lines.add("last seen    " + lastSeen);
            lines.add("samples      " + (samples.isEmpty() ? "-" : String.join(", ", samples)));
            lines.add("source       " + source);
            return lines;
        }
    }

    /** The latest output record of an object under one rule, and where it was read. */
    public record LatestOutput(OutputRecord record, int partition, long offset) {
    }

    private final DejaConfig config;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final Supplier<Optional<MirrorQueries>> mirror;

    public Status(DejaConfig config) {
        this.config = config;
        String couchUrl = config.getString(DejaConfig.COUCHDB_URL_CONFIG);
        this.mirror = () -> couchUrl.isBlank() ? Optional.empty() : Optional.of(new MirrorQueries(couchSettings(config)));
    }

    /**
     * Looks {@code target} up and writes what it finds to {@code out}; returns whether anything was found.
     */
    public boolean report(String target, Consumer<String> out) {
        switch (Kind.of(target)) {
            case MD5 -> {
                List<EntryView> entries = byMd5(target);
                if (entries.isEmpty()) {
                    out.accept("no entry for content md5 " + target);
                    return false;
                }
                for (int i = 0; i < entries.size(); i++) {
                    if (i > 0) {
                        out.accept("");
                    }
                    entries.get(i).lines().forEach(out);
                }
                return true;
            }
            case OBJECT -> {
                List<LatestOutput> outputs = latestOutputs(target);
                if (outputs.isEmpty()) {
                    out.accept("no output for " + target + " in the last " + OUTPUT_SCAN_LIMIT + " records of its partition of "
                            + config.getString(DejaConfig.OUTPUT_TOPIC_CONFIG));
                    return false;
                }
                for (LatestOutput latest : outputs) {
                    OutputRecord record = latest.record();
                    out.accept(target + ": latest output (" + config.getString(DejaConfig.OUTPUT_TOPIC_CONFIG) + "-"
                            + latest.partition() + "@" + latest.offset() + "): outcome " + record.outcome() + ", rule "
                            + record.rule() + ", dedup key " + record.dedupKey() + ", latency " + record.latencyMs() + " ms");
                    Optional<EntryView> entry = byDedupKey(record.dedupKey());
                    entry.ifPresentOrElse(e -> e.lines().forEach(line -> out.accept("  " + line)),
                            () -> out.accept("  the table holds no entry for " + record.dedupKey() + " now (expired or replayed)"));
                }
                return true;
            }
            default -> {
                Optional<EntryView> entry = byDedupKey(target);
                entry.ifPresentOrElse(e -> e.lines().forEach(out), () -> out.accept("no entry for dedup key " + target));
                return entry.isPresent();
            }
        }
    }

    /** The entry of a dedup key: the admin endpoint when it answers, else the mirror. */
    public Optional<EntryView> byDedupKey(String dedupKey) {
        Optional<HttpResponse<String>> live = admin("/entries/" + AdminServer.encode(dedupKey));
        if (live.isPresent() && live.get().statusCode() == 200) {
            return Optional.of(EntryView.of(JsonSerde.of(TableEntry.class).deserializer()
                    .deserialize("", live.get().body().getBytes(StandardCharsets.UTF_8)), "live table (" + adminBase() + ")"));
        }
        if (live.isPresent() && live.get().statusCode() == 404) {
            return Optional.empty();
        }
        return mirrorOrFail().byDedupKey(dedupKey).map(d -> EntryView.of(d, "CouchDB mirror (may lag)"));
    }

    /** The entries of a content MD5: the admin endpoint (current action versions) when it answers, else the mirror. */
    public List<EntryView> byMd5(String md5) {
        Optional<HttpResponse<String>> live = admin("/md5/" + md5.toLowerCase(Locale.ROOT));
        if (live.isPresent() && live.get().statusCode() == 200) {
            try {
                List<EntryView> views = new ArrayList<>();
                for (JsonNode node : (ArrayNode) Json.MAPPER.readTree(live.get().body())) {
                    views.add(EntryView.of(Json.MAPPER.treeToValue(node, TableEntry.class), "live table (" + adminBase() + ")"));
                }
                if (!views.isEmpty()) {
                    return views;
                }
            } catch (IOException e) {
                throw new IllegalStateException("unreadable answer from the admin endpoint: " + e.getMessage(), e);
            }
        }
        if (live.isPresent() && mirror.get().isEmpty()) {
            return List.of();
        }
        return mirrorOrFail().byMd5(md5).stream().map(d -> EntryView.of(d, "CouchDB mirror (may lag)")).toList();
    }

    private MirrorQueries mirrorOrFail() {
        return mirror.get().orElseThrow(() -> new IllegalStateException("no answer: the admin endpoint ("
                + DejaConfig.ADMIN_ADDRESS_CONFIG + "=" + config.getString(DejaConfig.ADMIN_ADDRESS_CONFIG)
                + ") did not answer and no CouchDB mirror is configured (" + DejaConfig.COUCHDB_URL_CONFIG + ")"));
    }

    /**
     * The latest output record of {@code bucket/object} under each rule: reads the key's partition
     * of the output topic backwards from its end, a chunk at a time, at most {@link #OUTPUT_SCAN_LIMIT} records.
     */
    public List<LatestOutput> latestOutputs(String path) {
        String topic = config.getString(DejaConfig.OUTPUT_TOPIC_CONFIG);
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        var deserializer = JsonSerde.of(OutputRecord.class).deserializer();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("output topic " + topic + " not found");
            }
            // the producer's default partitioner: murmur2 of the serialized key
            byte[] keyBytes = path.getBytes(StandardCharsets.UTF_8);
            TopicPartition partition = new TopicPartition(topic, Utils.toPositive(Utils.murmur2(keyBytes)) % infos.size());
            consumer.assign(List.of(partition));
            long begin = consumer.beginningOffsets(List.of(partition)).get(partition);
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            long floor = Math.max(begin, end - OUTPUT_SCAN_LIMIT);
            for (long chunkEnd = end; chunkEnd > floor; chunkEnd -= SCAN_CHUNK) {
                long chunkStart = Math.max(floor, chunkEnd - SCAN_CHUNK);
                Map<String, LatestOutput> latestByRule = new LinkedHashMap<>();
                consumer.seek(partition, chunkStart);
                while (consumer.position(partition) < chunkEnd) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                        if (record.offset() < chunkEnd && path.equals(record.key()) && record.value() != null) {
                            OutputRecord output = deserializer.deserialize(topic, record.value());
                            latestByRule.put(output.rule(), new LatestOutput(output, record.partition(), record.offset()));
                        }
                    }
                }
                if (!latestByRule.isEmpty()) {
                    return List.copyOf(latestByRule.values());
                }
            }
            return List.of();
        }
    }

    private String adminBase() {
        String address = config.getString(DejaConfig.ADMIN_ADDRESS_CONFIG);
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon);
        if (host.isEmpty() || host.equals("0.0.0.0")) {
            host = "127.0.0.1";
        }
        return "http://" + host + ":" + address.substring(colon + 1);
    }

    private Optional<HttpResponse<String>> admin(String path) {
        String address = config.getString(DejaConfig.ADMIN_ADDRESS_CONFIG);
        if (address.isBlank() || address.endsWith(":0") || address.lastIndexOf(':') < 0) {
            return Optional.empty();
        }
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(adminBase() + path))
                    .timeout(HTTP_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 || response.statusCode() == 404 ? Optional.of(response) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static CouchSettings couchSettings(DejaConfig config) {
        return dev.deja.app.DejaApp.couchSettings(config);
    }
}
