package dev.deja.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deja.serde.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads an output topic as a user's consumer would ({@code read_committed}), from its end at
 * creation, and records, for each output of one {@link EventFeed.Run}, the time from the event's
 * send to its arrival here: the end-to-end latency a user sees, commit intervals included.
 */
public final class OutputWatcher implements AutoCloseable {

    private static final String OUTCOME_FIELD = "\"outcome\":\"";

    private final KafkaConsumer<String, String> consumer;
    private final EventFeed.Run run;
    private final Set<String> seen = new HashSet<>();
    private final List<Long> latenciesMs = new ArrayList<>();
    private final Map<String, Long> outcomes = new TreeMap<>();
    private long duplicates;
    private long firstArrivalNanos;
    private long lastArrivalNanos;

    /** Positions at the current end of {@code topic}: only what comes after counts. */
    public OutputWatcher(String bootstrapServers, String topic, EventFeed.Run run) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "deja-bench-watcher-" + UUID.randomUUID());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
        this.run = run;
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(info -> new TopicPartition(topic, info.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
    }

    /**
     * Polls until every event of the run has an output or the timeout passes; {@code progress}
     * gets the count about once a second. Returns the outputs seen.
     */
    public int await(Duration timeout, IntConsumer progress) {
        return await(timeout, progress, () -> false);
    }

    /**
     * Polls until every event of the run has an output, the timeout passes, or {@code giveUp} says
     * no more can come (the process writing them ended); {@code progress} gets the count about once
     * a second. Returns the outputs seen.
     */
    public int await(Duration timeout, IntConsumer progress, BooleanSupplier giveUp) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextReport = System.nanoTime() + 1_000_000_000L;
        while (seen.size() < run.size() && System.nanoTime() < deadline && !giveUp.getAsBoolean()) {
            poll(Duration.ofMillis(100));
            if (System.nanoTime() >= nextReport) {
                progress.accept(seen.size());
                nextReport = System.nanoTime() + 1_000_000_000L;
            }
        }
        return seen.size();
    }

    /** Polls until at least {@code count} outputs of the run were seen or the timeout passes; returns the outputs seen. */
    public int awaitAtLeast(int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (seen.size() < count && System.nanoTime() < deadline) {
            poll(Duration.ofMillis(20));
        }
        return seen.size();
    }

    /** Keeps reading for {@code quiet}: to count late duplicates. */
    public void drain(Duration quiet) {
        long deadline = System.nanoTime() + quiet.toNanos();
        while (System.nanoTime() < deadline) {
            poll(Duration.ofMillis(100));
        }
    }

    private void poll(Duration wait) {
        for (ConsumerRecord<String, String> record : consumer.poll(wait)) {
            Long sent = run.sentAtMs().get(record.key());
            if (sent == null) {
                continue;
            }
            long now = System.currentTimeMillis();
            if (!seen.add(record.key())) {
                duplicates++;
                continue;
            }
            lastArrivalNanos = System.nanoTime();
            if (seen.size() == 1) {
                firstArrivalNanos = lastArrivalNanos;
            }
            latenciesMs.add(Math.max(0, now - sent));
            String outcome = outcome(record.value());
            if (outcome != null) {
                outcomes.merge(outcome, 1L, Long::sum);
            }
        }
    }

    /**
     * The record's {@code outcome}, found as Jackson writes it ({@code "outcome":"CACHED"}) without
     * parsing the whole record: the watcher shares the bench's CPU with what it measures.
     */
    static String outcome(String value) {
        if (value == null) {
            return null;
        }
        int field = value.indexOf(OUTCOME_FIELD);
        if (field >= 0) {
            int start = field + OUTCOME_FIELD.length();
            int end = value.indexOf('"', start);
            if (end > start) {
                return value.substring(start, end);
            }
        }
        if (!value.contains("\"outcome\"")) {
            return null;
        }
        JsonNode node = Json.parse(value);
        return node.hasNonNull("outcome") ? node.get("outcome").asText() : null;
    }

    public int outputs() {
        return seen.size();
    }

    public long duplicates() {
        return duplicates;
    }

    public Map<String, Long> outcomes() {
        return Map.copyOf(outcomes);
    }

    /** When the first output of the run was read ({@link System#nanoTime()}), 0 before it. */
    public long firstArrivalNanos() {
        return firstArrivalNanos;
    }

    /** When the last output of the run so far was read ({@link System#nanoTime()}), 0 before the first. */
    public long lastArrivalNanos() {
        return lastArrivalNanos;
    }

    /** Events per second from the first send to the last output. */
    public double throughput() {
        double seconds = (lastArrivalNanos - run.firstSendNanos()) / 1e9;
        return seconds <= 0 ? 0 : seen.size() / seconds;
    }

    /** The latency at quantile {@code q} (0..1), in ms; nearest rank. */
    public long latencyMs(double q) {
        if (latenciesMs.isEmpty()) {
            return 0;
        }
        List<Long> sorted = latenciesMs.stream().sorted().toList();
        int index = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
