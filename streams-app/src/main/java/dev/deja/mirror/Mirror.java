package dev.deja.mirror;

import dev.deja.mirror.MirrorWriter.Change;
import dev.deja.serde.JsonSerde;
import dev.deja.model.TableEntry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mirrors the compacted table topic (key: dedup key; value: {@link TableEntry} JSON; null =
 * tombstone) into CouchDB, one document per dedup key, through {@link MirrorWriter}.
 *
 * <p>Runs on its own thread ({@link #run()}) with its own consumer group
 * ({@code <application.id>-mirror}), reading committed records only. Offsets are committed only
 * after CouchDB accepted the batch they belong to. While CouchDB is down or failing, the batch is
 * held in memory, the assigned partitions are paused, and the same batch is retried with
 * exponential backoff between {@link CouchSettings#minBackoff()} and
 * {@link CouchSettings#maxBackoff()} (keep the latter well below {@code max.poll.interval.ms}); nothing
 * is committed meanwhile, so a crash during an outage replays from the last accepted batch. One
 * log line marks each change between up and down, none is written per record. The dedup
 * topology never waits for the mirror: a slow or absent CouchDB only shows as lag here.
 *
 * <p>Offsets never pass a record that is not in CouchDB: records whose value cannot be read, and documents
 * CouchDB refuses for good, are written to the dead-letter topic with the reason before the batch is committed
 * (if that write fails, the batch is held and retried like any failure). {@link #rebuild} recreates the
 * database from the whole topic.
 */
public final class Mirror implements Runnable, AutoCloseable {

    /** Suffix of the mirror's consumer group, after the application id. */
    public static final String GROUP_SUFFIX = "-mirror";

    private static final Logger LOG = LoggerFactory.getLogger(Mirror.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(500);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration REBUILD_STALL_TIMEOUT = Duration.ofMinutes(2);
    private static final int REBUILD_ATTEMPTS = 5;
    private static final Deserializer<TableEntry> ENTRIES = JsonSerde.of(TableEntry.class).deserializer();

    private final Consumer<String, byte[]> consumer;
    private final String topic;
    private final CouchSettings settings;
    private final CouchClient couch;
    private final MirrorWriter writer;
    private final DeadLetterSink deadLetters;

    private final List<Held> held = new ArrayList<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final AtomicBoolean closeCalled = new AtomicBoolean();
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean closed;
    private boolean couchReady;
    private Duration backoff;

    private final AtomicLong docsWritten = new AtomicLong();
    private final AtomicLong docsDeleted = new AtomicLong();
    private final AtomicLong skippedOlder = new AtomicLong();
    private final AtomicLong conflictsResolved = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong badRecords = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong failedAttempts = new AtomicLong();
    private volatile long lag = -1;
    private volatile boolean couchUp = true;
    private volatile String lastError;

    /**
     * A mirror with its own {@link KafkaConsumer}.
     *
     * @param kafkaConsumerProps Deja's Kafka settings: {@code bootstrap.servers}, security settings and
     *     {@code application.id} (the group id becomes {@code <application.id>-mirror}; without an
     *     application id, {@code group.id} is required). Keys a consumer does not know are ignored;
     *     deserializers, {@code isolation.level=read_committed} and
     *     {@code enable.auto.commit=false} are forced.
     * @param tableTopic the compacted table topic
     * @param settings where to write
     */
    public Mirror(Map<String, Object> kafkaConsumerProps, String tableTopic, CouchSettings settings,
            String deadLetterTopic) {
        this(new KafkaConsumer<>(consumerProps(kafkaConsumerProps, settings, true)), tableTopic,
                new CouchClient(settings), new KafkaDeadLetterSink(kafkaConsumerProps, deadLetterTopic));
    }

    /** A mirror over a given consumer (tests), client and dead-letter sink. */
    Mirror(Consumer<String, byte[]> consumer, String tableTopic, CouchClient couch, DeadLetterSink deadLetters) {
        this.deadLetters = deadLetters;
        this.consumer = consumer;
        this.topic = tableTopic;
        this.couch = couch;
        this.settings = couch.settings();
        this.writer = new MirrorWriter(couch);
        this.backoff = settings.minBackoff();
    }

    /** The consumer settings the mirror (group) or a rebuild (no group) uses. */
    static Map<String, Object> consumerProps(Map<String, Object> props, CouchSettings settings, boolean group) {
        Map<String, Object> out = new HashMap<>();
        Set<String> known = ConsumerConfig.configNames();
        props.forEach((key, value) -> {
            if (known.contains(key)) {
                out.put(key, value);
            }
        });
        if (group) {
            Object applicationId = props.get("application.id");
            if (applicationId != null) {
                out.put(ConsumerConfig.GROUP_ID_CONFIG, applicationId + GROUP_SUFFIX);
            } else if (!out.containsKey(ConsumerConfig.GROUP_ID_CONFIG)) {
                throw new IllegalArgumentException("the mirror needs application.id (or group.id)");
            }
        } else {
            out.remove(ConsumerConfig.GROUP_ID_CONFIG);
            out.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        }
        out.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        out.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        out.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        out.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        out.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        out.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.batchSize());
        return out;
    }

    /** The counters so far; safe to call from any thread. */
    public MirrorStats stats() {
        return new MirrorStats(docsWritten.get(), docsDeleted.get(), skippedOlder.get(), conflictsResolved.get(),
                rejected.get(), badRecords.get(), batches.get(), failedAttempts.get(), lag, couchUp, lastError);
    }

    /** Consumes until {@link #close()}; call once, on a thread of its own. */
    @Override
    public void run() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("the mirror runs once");
        }
        LOG.info("Mirroring topic {} to CouchDB {} database {}", topic, settings.url(), settings.database());
        try {
            consumer.subscribe(List.of(topic), new Rebalance());
            while (!closed) {
                if (held.isEmpty()) {
                    if (!consumer.paused().isEmpty()) {
                        consumer.resume(consumer.paused());
                    }
                    hold(consumer.poll(POLL_TIMEOUT));
                    updateLag();
                    if (held.isEmpty()) {
                        continue;
                    }
                }
                deliver();
            }
        } catch (WakeupException e) {
            if (!closed) {
                throw e;
            }
        } catch (RuntimeException e) {
            lastError = e.toString();
            LOG.error("Mirror of topic {} stopped: {}", topic, e.toString());
            throw e;
        } finally {
            try {
                consumer.close();
                closeSink();
            } finally {
                finished.countDown();
            }
        }
        LOG.info("Mirror of topic {} stopped", topic);
    }

    /** Writes the held batch, then commits its offsets; on failure waits and keeps it held. */
    private void deliver() {
        MirrorWriter.Result result;
        try {
            if (!couchReady) {
                couch.ensureDatabase();
                couch.ensureDesignDoc();
                couchReady = true;
            }
            result = writer.apply(held.stream().filter(h -> h.change() != null).map(Held::change).toList());
            // never commit past a record that is not in CouchDB: what CouchDB refused, or could not be read, is
            // dead-lettered first (a failure here keeps the batch, and applying it again is a no-op)
            List<DeadLetterSink.Letter> letters = letters(result.refusals());
            if (!letters.isEmpty()) {
                deadLetters.send(letters);
            }
        } catch (RuntimeException e) {
            // CouchDB down, refusing, or answering nonsense: keep the batch and try again later
            fail(e);
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (Held h : held) {
            offsets.merge(h.partition(), new OffsetAndMetadata(h.offset() + 1),
                    (a, b) -> a.offset() >= b.offset() ? a : b);
        }
        int count = held.size();
        held.clear();
        docsWritten.addAndGet(result.written());
        docsDeleted.addAndGet(result.deleted());
        skippedOlder.addAndGet(result.skippedOlder());
        conflictsResolved.addAndGet(result.conflictsResolved());
        rejected.addAndGet(result.rejected());
        batches.incrementAndGet();
        if (!couchUp) {
            couchUp = true;
            LOG.info("CouchDB {} is back: mirrored {} held records after {} failed attempts", settings.url(),
                    count, failedAttempts.get());
        }
        backoff = settings.minBackoff();
        try {
            consumer.commitSync(offsets);
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            // CouchDB has the batch; whoever reads these records again rewrites the same versions (a no-op)
            LOG.warn("Could not commit mirror offsets {} of topic {}: {}", offsets, topic, e.toString());
        }
    }

    /** The dead letters of the held batch: its unreadable records, and the last record of each refused key. */
    private List<DeadLetterSink.Letter> letters(List<MirrorWriter.Refusal> refusals) {
        Map<String, MirrorWriter.Refusal> refused = new HashMap<>();
        refusals.forEach(r -> refused.put(r.dedupKey(), r));
        Map<String, Held> lastOfKey = new HashMap<>();
        List<DeadLetterSink.Letter> letters = new ArrayList<>();
        for (Held h : held) {
            if (h.change() == null) {
                letters.add(new DeadLetterSink.Letter(h.partition().topic(), h.partition().partition(), h.offset(),
                        h.key(), h.value(), "unreadable table record: " + h.problem()));
            } else if (refused.containsKey(h.change().dedupKey())) {
                lastOfKey.put(h.change().dedupKey(), h);
            }
        }
        lastOfKey.forEach((key, h) -> {
            MirrorWriter.Refusal r = refused.get(key);
            letters.add(new DeadLetterSink.Letter(h.partition().topic(), h.partition().partition(), h.offset(), key,
                    h.value(), "CouchDB refused document " + key + ": " + r.error() + ": " + r.reason()));
        });
        return letters;
    }

    private void fail(RuntimeException e) {
        failedAttempts.incrementAndGet();
        lastError = e instanceof CouchException ? e.getMessage() : e.toString();
        couchReady = false;
        if (couchUp) {
            couchUp = false;
            LOG.warn("CouchDB {} unavailable, holding {} uncommitted records and retrying (backoff up to {}): {}",
                    settings.url(), held.size(), settings.maxBackoff(), lastError);
        }
        consumer.pause(consumer.assignment());
        long jittered = (long) (backoff.toMillis() * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
        try {
            closing.await(jittered, TimeUnit.MILLISECONDS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            closed = true;
            return;
        }
        Duration doubled = backoff.multipliedBy(2);
        backoff = doubled.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : doubled;
        if (!closed) {
            // keeps the group membership fresh and runs rebalance callbacks; paused partitions return nothing
            hold(consumer.poll(Duration.ZERO));
        }
    }

    private void hold(ConsumerRecords<String, byte[]> records) {
        for (ConsumerRecord<String, byte[]> record : records) {
            TopicPartition partition = new TopicPartition(record.topic(), record.partition());
            Change change = null;
            String problem = null;
            if (record.key() == null) {
                badRecords.incrementAndGet();
                problem = "no key";
                LOG.warn("Dead-lettering table record without key at {}-{}@{}", record.topic(), record.partition(),
                        record.offset());
            } else {
                try {
                    change = new Change(record.key(), ENTRIES.deserialize(record.topic(), record.value()));
                } catch (KafkaException e) {
                    badRecords.incrementAndGet();
                    problem = e.getMessage();
                    LOG.warn("Dead-lettering unreadable table record {} at {}-{}@{}: {}", record.key(), record.topic(),
                            record.partition(), record.offset(), e.getMessage());
                }
            }
            held.add(new Held(partition, record.offset(), change, record.key(), record.value(), problem));
        }
    }

    private void updateLag() {
        long sum = 0;
        boolean known = false;
        for (TopicPartition partition : consumer.assignment()) {
            OptionalLong partitionLag = consumer.currentLag(partition);
            if (partitionLag.isPresent()) {
                sum += partitionLag.getAsLong();
                known = true;
            }
        }
        lag = known ? sum : -1;
    }

    /** Stops the loop (at most one backoff wait or poll later) and closes the consumer. */
    @Override
    public void close() {
        if (!closeCalled.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        closing.countDown();
        if (started.get()) {
            consumer.wakeup();
            try {
                if (!finished.await(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("Mirror of topic {} did not stop within {}", topic, CLOSE_TIMEOUT);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            consumer.close();
            closeSink();
        }
    }

    /** A record of the batch; {@code key}, {@code value} and {@code problem} are kept for its dead letter. */
    private void closeSink() {
        if (deadLetters instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.warn("closing the mirror's dead-letter producer: {}", e.toString());
            }
        }
    }

    private record Held(TopicPartition partition, long offset, Change change, String key, byte[] value,
            String problem) {
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // their next owner reads them again from the last commit
            held.removeIf(h -> partitions.contains(h.partition()));
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (!held.isEmpty()) {
                consumer.pause(partitions);
            }
        }
    }

    /**
     * Recreates the mirror database (delete, create, design document) and replays the whole table
     * topic into it, up to the end offsets captured at the start, with a consumer of its own
     * (assigned, no group, no commits). Progress lines such as
     * {@code "rebuild: 4000/10000 records (40%)"} go to {@code progress}. A batch CouchDB keeps
     * failing ({@value #REBUILD_ATTEMPTS} attempts) aborts the rebuild with a {@link CouchException}.
     */
    public static RebuildReport rebuild(Map<String, Object> kafkaConsumerProps, String tableTopic,
            CouchSettings settings, java.util.function.Consumer<String> progress) {
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(consumerProps(kafkaConsumerProps, settings, false))) {
            return rebuild(consumer, tableTopic, new CouchClient(settings), progress);
        }
    }

    static RebuildReport rebuild(Consumer<String, byte[]> consumer, String tableTopic, CouchClient couch,
            java.util.function.Consumer<String> progress) {
        long start = System.nanoTime();
        CouchSettings settings = couch.settings();
        List<PartitionInfo> infos = consumer.partitionsFor(tableTopic);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalArgumentException("table topic " + tableTopic + " not found");
        }
        List<TopicPartition> partitions = infos.stream()
                .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
        couch.deleteDatabase();
        couch.ensureDatabase();
        couch.ensureDesignDoc();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        long total = partitions.stream().mapToLong(p -> end.get(p) - begin.get(p)).sum();
        progress.accept("rebuild: database " + settings.database() + " recreated; replaying " + total
                + " records of " + tableTopic);
        Set<TopicPartition> remaining = partitions.stream()
                .filter(p -> end.get(p) > begin.get(p)).collect(Collectors.toSet());
        MirrorWriter writer = new MirrorWriter(couch);
        MirrorWriter.Result result = MirrorWriter.Result.EMPTY;
        List<Change> batch = new ArrayList<>();
        long records = 0;
        long bad = 0;
        int lastDecile = 0;
        long lastProgressNanos = System.nanoTime();
        while (!remaining.isEmpty()) {
            ConsumerRecords<String, byte[]> polled = consumer.poll(POLL_TIMEOUT);
            for (ConsumerRecord<String, byte[]> record : polled) {
                TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                if (record.offset() >= end.get(partition)) {
                    continue;
                }
                records++;
                try {
                    if (record.key() == null) {
                        throw new KafkaException("no key");
                    }
                    batch.add(new Change(record.key(), ENTRIES.deserialize(record.topic(), record.value())));
                } catch (KafkaException e) {
                    bad++;
                    LOG.warn("Rebuild skips unreadable table record at {}-{}@{}: {}", record.topic(),
                            record.partition(), record.offset(), e.getMessage());
                }
            }
            boolean moved = !polled.isEmpty();
            for (TopicPartition partition : List.copyOf(remaining)) {
                if (consumer.position(partition) >= end.get(partition)) {
                    remaining.remove(partition);
                    moved = true;
                }
            }
            if (batch.size() >= settings.batchSize() || remaining.isEmpty()) {
                result = result.plus(writeWithRetries(writer, batch, settings));
                batch.clear();
            }
            long done = 0;
            for (TopicPartition partition : partitions) {
                done += remaining.contains(partition)
                        ? Math.min(consumer.position(partition), end.get(partition)) - begin.get(partition)
                        : end.get(partition) - begin.get(partition);
            }
            int decile = total == 0 ? 10 : (int) (done * 10 / total);
            if (decile > lastDecile && batch.isEmpty()) {
                lastDecile = decile;
                progress.accept(String.format("rebuild: %d/%d records (%d%%)", done, total,
                        total == 0 ? 100 : done * 100 / total));
            }
            if (moved) {
                lastProgressNanos = System.nanoTime();
            } else if (System.nanoTime() - lastProgressNanos > REBUILD_STALL_TIMEOUT.toNanos()) {
                throw new IllegalStateException("rebuild stalled: no progress on " + remaining + " for "
                        + REBUILD_STALL_TIMEOUT);
            }
        }
        long durationMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        RebuildReport report = new RebuildReport(records, result.written(), result.deleted(), bad, durationMs);
        progress.accept(String.format("rebuild: done: %d records, %d documents written, %d deleted, %d unreadable,"
                + " in %.1f s", records, report.docsWritten(), report.docsDeleted(), bad, durationMs / 1000.0));
        return report;
    }

    private static MirrorWriter.Result writeWithRetries(MirrorWriter writer, List<Change> batch,
            CouchSettings settings) {
        Duration wait = settings.minBackoff();
        for (int attempt = 1; ; attempt++) {
            try {
                return writer.apply(batch);
            } catch (CouchException e) {
                if (attempt >= REBUILD_ATTEMPTS) {
                    throw e;
                }
                LOG.warn("Rebuild batch failed (attempt {} of {}), retrying in {}: {}", attempt, REBUILD_ATTEMPTS,
                        wait, e.getMessage());
                try {
                    Thread.sleep(wait.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                Duration doubled = wait.multipliedBy(2);
                wait = doubled.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : doubled;
            }
        }
    }
}
