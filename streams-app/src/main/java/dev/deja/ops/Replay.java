package dev.deja.ops;

import dev.deja.config.DejaConfig;
import dev.deja.topology.DejaTopology;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code deja replay}: makes a stopped Deja read its input again from a point in time.
 *
 * <p>Resets the committed offsets of the dedup application's consumer group ({@code application.id})
 * on the input topic, per partition, to the earliest offset or to the first record at or after a
 * time. It also forgets which events were already answered (the {@code dedup-seen-events} store:
 * its changelog topic and the local state directory {@code state.dir/<application.id>}, restored
 * from the changelogs at the next start), so the replayed uploads get outputs again. The dedup
 * table is kept: replayed content already DONE is answered from it (CACHED) with no new call.
 *
 * <p>With {@code reinvoke} the table goes too: every dedup store changelog and the uploads
 * repartition topic are deleted (Kafka Streams creates them again at start), the group's offsets
 * on the repartition topic are dropped, and a tombstone is written to the compacted table topic
 * for every live key so the CouchDB mirror follows. Every distinct content is then invoked again.
 *
 * <p>Refuses while the dedup or invoker group has active members. Other hosts' local state
 * directories are not reachable from here: on a multi-host deployment, delete
 * {@code state.dir/<application.id>} on each (Kafka Streams also detects the deleted changelogs).
 */
public final class Replay {

    private static final Duration DELETE_WAIT = Duration.ofSeconds(60);
    private static final long PROGRESS_EVERY = 10_000;

    private Replay() {
    }

    /** Thrown when a replay cannot start, e.g. because Deja is running. */
    public static final class ReplayRefusedException extends RuntimeException {
        public ReplayRefusedException(String message) {
            super(message);
        }
    }

    /** Where to start: {@code earliest} ({@code time == null}) or the first record at or after {@code time}. */
    public record From(Instant time) {

        public static final From EARLIEST = new From(null);

        /** {@code earliest} or an ISO-8601 instant such as {@code 2026-11-23T10:00:00Z}. */
        public static From parse(String text) {
            if (text.equalsIgnoreCase("earliest")) {
                return EARLIEST;
            }
            try {
                return new From(Instant.parse(text));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("--from must be 'earliest' or an ISO-8601 time such as"
                        + " 2026-11-23T10:00:00Z, was '" + text + "'");
            }
        }

        @Override
        public String toString() {
            return time == null ? "earliest" : time.toString();
        }
    }

    /** What a replay did (or, dry, would do). */
    public record Report(Map<TopicPartition, Long> offsets, List<String> deletedTopics, boolean stateDirDeleted,
            long tombstones, boolean dryRun) {
    }

    /**
     * Runs a replay; every step is announced on {@code out} before it is taken, and confirmed after.
     *
     * @throws ReplayRefusedException when a member of the dedup or invoker group is active
     */
    public static Report run(DejaConfig config, From from, boolean reinvoke, boolean dryRun, Consumer<String> out) {
        try (Admin admin = Admin.create(config.clientProperties())) {
            return run(admin, config, from, reinvoke, dryRun, out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("replay failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private static Report run(Admin admin, DejaConfig config, From from, boolean reinvoke, boolean dryRun,
            Consumer<String> out) throws InterruptedException, ExecutionException {
        String group = config.getString(DejaConfig.APPLICATION_ID_CONFIG);
        String invokerGroup = DejaTopology.invokerApplicationId(config);
        String input = config.getString(DejaConfig.INPUT_TOPIC_CONFIG);
        String prefix = dryRun ? "replay (dry run): " : "replay: ";

        refuseWhileActive(admin, List.of(group, invokerGroup));
        out.accept(prefix + "groups " + group + " and " + invokerGroup + " have no active members");
        if (reinvoke) {
            // Wiping the table with work in progress would lose the outputs of the uploads it belongs to.
            List<String> inProgress = InFlight.of(config, admin);
            if (!inProgress.isEmpty()) {
                throw new ReplayRefusedException("refusing --reinvoke while work is in progress: "
                        + String.join("; ", inProgress) + ". Start Deja and let it answer them (deja status, /metrics),"
                        + " stop it, and run the replay again; a replay without --reinvoke keeps them");
            }
            out.accept(prefix + "nothing in progress: no parked upload, hash job, unanswered call or unprocessed record");
        }

        // The plan: offsets per partition, topics and state to delete.
        List<TopicPartition> partitions = new ArrayList<>();
        for (TopicPartitionInfo info : admin.describeTopics(List.of(input)).allTopicNames().get().get(input).partitions()) {
            partitions.add(new TopicPartition(input, info.partition()));
        }
        Map<TopicPartition, Long> targets = targets(admin, partitions, from);
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get();
        for (TopicPartition partition : partitions) {
            OffsetAndMetadata current = committed.get(partition);
            out.accept(String.format("%sgroup %s, %s: committed %s -> %d (%s)", prefix, group, partition,
                    current == null ? "none" : Long.toString(current.offset()), targets.get(partition), from));
        }
        Set<String> existing = admin.listTopics().names().get();
        List<String> stores = reinvoke
                ? List.of(DejaTopology.TABLE_STORE, DejaTopology.WAITERS_STORE, DejaTopology.TIMERS_STORE,
                        DejaTopology.SEEN_STORE, DejaTopology.HASH_JOBS_STORE)
                : List.of(DejaTopology.SEEN_STORE);
        List<String> topics = new ArrayList<>();
        stores.forEach(store -> topics.add(group + "-" + store + "-changelog"));
        String repartition = group + "-" + DejaTopology.UPLOADS_REPARTITION + "-repartition";
        if (reinvoke) {
            topics.add(repartition);
            // The invoker's finished calls too: else it would answer the new attempts by reading old activations.
            topics.add(invokerGroup + "-" + DejaTopology.INVOKER_REQUESTS_STORE + "-changelog");
        }
        topics.removeIf(topic -> !existing.contains(topic));
        Path stateDir = Path.of(config.getString(DejaConfig.STATE_DIR_CONFIG)).resolve(group);
        Path invokerStateDir = Path.of(config.getString(DejaConfig.STATE_DIR_CONFIG)).resolve(invokerGroup);
        String table = config.getString(DejaConfig.TABLE_TOPIC_CONFIG);
        out.accept(prefix + (topics.isEmpty() ? "no internal topic to delete" : "delete internal topics " + topics)
                + (reinvoke ? " (the dedup table is wiped)" : " (events already answered are forgotten; the table is kept)"));
        out.accept(prefix + (Files.exists(stateDir) ? "delete local state " + stateDir : "no local state at " + stateDir));
        if (reinvoke) {
            out.accept(prefix + "write a tombstone for every live key of " + table);
        }
        if (dryRun) {
            out.accept(prefix + "nothing changed");
            return new Report(targets, topics, false, 0, true);
        }

        // Offsets first: the call fails by itself if a member joined since the check.
        Map<TopicPartition, OffsetAndMetadata> reset = new LinkedHashMap<>();
        targets.forEach((partition, offset) -> reset.put(partition, new OffsetAndMetadata(offset)));
        admin.alterConsumerGroupOffsets(group, reset).all().get();
        out.accept(prefix + "reset " + reset.size() + " partitions of " + input + " for group " + group);
        if (reinvoke) {
            Set<TopicPartition> repartitionOffsets = new HashSet<>();
            committed.keySet().stream().filter(p -> p.topic().equals(repartition)).forEach(repartitionOffsets::add);
            if (!repartitionOffsets.isEmpty()) {
                admin.deleteConsumerGroupOffsets(group, repartitionOffsets).all().get();
                out.accept(prefix + "dropped the offsets of group " + group + " on " + repartition);
            }
        }
        if (!topics.isEmpty()) {
            admin.deleteTopics(topics).all().get();
            awaitDeleted(admin, topics);
            topics.forEach(topic -> out.accept(prefix + "deleted topic " + topic));
        }
        boolean stateDeleted = deleteRecursively(stateDir);
        if (reinvoke && deleteRecursively(invokerStateDir)) {
            out.accept(prefix + "deleted local state " + invokerStateDir);
        }
        if (stateDeleted) {
            out.accept(prefix + "deleted local state " + stateDir);
        }
        long tombstones = reinvoke ? tombstones(config, table, out, prefix) : 0;
        out.accept(prefix + "done; start Deja to reprocess " + input + " from " + from);
        return new Report(targets, topics, stateDeleted, tombstones, false);
    }

    private static void refuseWhileActive(Admin admin, List<String> groups) throws InterruptedException, ExecutionException {
        Map<String, KafkaFuture<ConsumerGroupDescription>> described =
                admin.describeConsumerGroups(groups).describedGroups();
        List<String> active = new ArrayList<>();
        for (String group : groups) {
            ConsumerGroupDescription description;
            try {
                description = described.get(group).get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof GroupIdNotFoundException) {
                    continue;
                }
                throw e;
            }
            GroupState state = description.groupState();
            if (!description.members().isEmpty() || !(state == GroupState.EMPTY || state == GroupState.DEAD)) {
                active.add("group " + group + " is " + state + " with " + description.members().size() + " active member(s)");
            }
        }
        if (!active.isEmpty()) {
            throw new ReplayRefusedException("refusing to replay while Deja runs: " + String.join("; ", active)
                    + ". Stop every Deja instance of this application.id first.");
        }
    }

    private static Map<TopicPartition, Long> targets(Admin admin, List<TopicPartition> partitions, From from)
            throws InterruptedException, ExecutionException {
        Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
        partitions.forEach(p -> specs.put(p, from.time() == null ? OffsetSpec.earliest() : OffsetSpec.forTimestamp(from.time().toEpochMilli())));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> found = admin.listOffsets(specs).all().get();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(p -> latest.put(p, OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get();
        Map<TopicPartition, Long> targets = new LinkedHashMap<>();
        for (TopicPartition partition : partitions) {
            long offset = found.get(partition).offset();
            // no record at or after the time: nothing to replay on this partition
            targets.put(partition, offset < 0 ? ends.get(partition).offset() : offset);
        }
        return targets;
    }

    private static void awaitDeleted(Admin admin, List<String> topics) throws InterruptedException, ExecutionException {
        long deadline = System.nanoTime() + DELETE_WAIT.toNanos();
        while (true) {
            Set<String> left = new HashSet<>(admin.listTopics().names().get());
            left.retainAll(topics);
            if (left.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topics " + left + " still exist " + DELETE_WAIT + " after their deletion");
            }
            Thread.sleep(100);
        }
    }

    private static boolean deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return false;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the local state " + dir, e);
        }
    }

    /** Reads the compacted table topic to its end and writes a tombstone for every key whose last value is not one. */
    private static long tombstones(DejaConfig config, String table, Consumer<String> out, String prefix) {
        Map<String, Object> consumerProps = new HashMap<>(config.clientProperties());
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerProps.remove(ConsumerConfig.GROUP_ID_CONFIG);
        Set<String> live = new HashSet<>();
        long read = 0;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(table).stream()
                    .map(info -> new TopicPartition(table, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Set<TopicPartition> remaining = new HashSet<>(partitions);
            while (!remaining.isEmpty()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.key() != null) {
                        if (record.value() == null) {
                            live.remove(record.key());
                        } else {
                            live.add(record.key());
                        }
                    }
                    if (++read % PROGRESS_EVERY == 0) {
                        out.accept(prefix + "read " + read + " records of " + table);
                    }
                }
                remaining.removeIf(p -> consumer.position(p) >= end.get(p));
            }
        }
        Map<String, Object> producerProps = new HashMap<>(config.clientProperties());
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        long written = 0;
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerProps, new StringSerializer(),
                new ByteArraySerializer())) {
            for (String key : live) {
                producer.send(new ProducerRecord<>(table, key, null), (metadata, error) -> {
                    if (error != null) {
                        failure.compareAndSet(null, error);
                    }
                });
                if (++written % PROGRESS_EVERY == 0) {
                    out.accept(prefix + "wrote " + written + "/" + live.size() + " tombstones");
                }
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("writing tombstones to " + table + " failed: " + failure.get().getMessage(),
                    failure.get());
        }
        out.accept(prefix + "wrote " + written + " tombstones to " + table + " (read " + read + " records)");
        return written;
    }
}
