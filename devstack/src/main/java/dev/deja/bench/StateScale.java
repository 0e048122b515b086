package dev.deja.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deja.app.DejaApp;
import dev.deja.app.Role;
import dev.deja.config.DejaConfig;
import dev.deja.config.Rule;
import dev.deja.serde.Json;
import dev.deja.serde.JsonSerde;
import dev.deja.model.DedupKey;
import dev.deja.topology.DejaTopology;
import dev.deja.model.EntryStatus;
import dev.deja.model.TableEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scenario 5: a dedup table of many entries. The entries (DONE, as Deja writes them) go straight
 * into the table store's changelog topic, which is where Kafka Streams restores the store from;
 * then Deja starts on it. Measured: RocksDB size on disk, process RSS, that the entries answer as
 * cache hits, and the restore time after the local state is deleted (restart until RUNNING).
 */
final class StateScale {

    static final String TITLE = "Scale of state";

    private static final Logger LOG = LoggerFactory.getLogger(StateScale.class);
    static final String APPLICATION_ID = "deja-bench-scale";
    static final String SALT = "scale";

    private StateScale() {
    }

    /** Deja's topics for this scenario, apart from the other scenarios'. */
    static Map<String, String> topics() {
        return Map.of(
                DejaConfig.APPLICATION_ID_CONFIG, APPLICATION_ID,
                DejaConfig.INPUT_TOPIC_CONFIG, "scale-events",
                DejaConfig.INVOCATIONS_TOPIC_CONFIG, "scale-invocations",
                DejaConfig.RESULTS_TOPIC_CONFIG, "scale-invocation-results",
                DejaConfig.OUTPUT_TOPIC_CONFIG, "scale-output",
                DejaConfig.TABLE_TOPIC_CONFIG, "scale-table",
                DejaConfig.DLQ_TOPIC_CONFIG, "scale-dlq");
    }

    /** @param actionVersion the bench action's version as Deja keys it ({@link DedupKey#functionVersion}) */
    static ScenarioResult run(DejaConfig config, Admin admin, String bootstrapServers, int entries, String actionVersion,
                              Consumer<String> progress) throws Exception {
        String changelog = APPLICATION_ID + "-" + DejaTopology.TABLE_STORE + "-changelog";
        int partitions = config.getInt(DejaConfig.PARTITIONS_CONFIG);
        try {
            admin.createTopics(List.of(new NewTopic(changelog, partitions, (short) 1)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create " + changelog + ": " + e.getCause().getMessage(), e);
        }
        Rule rule = config.rules().get(0);
        long fillStart = System.nanoTime();
        fill(bootstrapServers, changelog, config.getString(DejaConfig.TABLE_TOPIC_CONFIG), rule, entries, actionVersion, progress);
        double fillSeconds = (System.nanoTime() - fillStart) / 1e9;

        long rssBefore = rssBytes();
        progress.accept("[5/8] scale of state: starting Deja on " + entries + " entries (restoring the table)");
        Path appState = Path.of(config.getString(DejaConfig.STATE_DIR_CONFIG)).resolve(APPLICATION_ID);
        double firstStart;
        long rocksBytes;
        long replicaBytes;
        long rssAfter;
        Map<String, Long> probed;
        int probes = Math.min(200, entries);
        try (DejaApp app = DejaApp.start(config, Role.ALL)) {
            long t0 = System.nanoTime();
            app.awaitRunning(Duration.ofMinutes(15));
            firstStart = (System.nanoTime() - t0) / 1e9;
            probed = probe(config, bootstrapServers, entries, probes);
            rocksBytes = storeBytes(appState, DejaTopology.TABLE_STORE);
            replicaBytes = storeBytes(appState, DejaTopology.TABLE_REPLICA_STORE);
            System.gc();
            rssAfter = rssBytes();
        }
        progress.accept("[5/8] scale of state: local state deleted, restarting and restoring from the changelog");
        deleteRecursively(appState);
        // Streams does not leave its group on close (classic protocol): without this, the restart
        // would wait session.timeout.ms for the old member to expire, which is not restore time.
        for (String group : List.of(APPLICATION_ID, APPLICATION_ID + DejaTopology.INVOKER_APP_SUFFIX)) {
            try {
                admin.removeMembersFromConsumerGroup(group, new RemoveMembersFromConsumerGroupOptions()).all().get();
            } catch (ExecutionException e) {
                LOG.debug("removing the members of {}: {}", group, e.getCause().toString());
            }
        }
        double restore;
        try (DejaApp app = DejaApp.start(config, Role.ALL)) {
            long t0 = System.nanoTime();
            app.awaitRunning(Duration.ofMinutes(15));
            restore = (System.nanoTime() - t0) / 1e9;
        }
        ScenarioResult.Builder builder = new ScenarioResult.Builder(5, TITLE);
        probed.forEach((outcome, count) -> builder.figure("probe_outcome_" + outcome, "probe outcome " + outcome, count, ""));
        return builder
                .figure("table_entries", "table entries", entries, "")
                .figure("changelog_fill", "changelog written in", fillSeconds, "s")
                .figure("rocksdb_bytes", "RocksDB size on disk (dedup-table)", rocksBytes / 1048576.0, "MiB")
                .figure("replica_bytes", "RocksDB size on disk (dedup-table-replica, on every instance)",
                        replicaBytes / 1048576.0, "MiB")
                .figure("restore_seconds", "restore of table and replica (state deleted, start until RUNNING)", restore, "s")
                .figure("first_start_seconds", "first start on the filled changelog until RUNNING", firstStart, "s")
                .figure("rss_bytes", "process RSS after restore (VmRSS)", rssAfter / 1048576.0, "MiB")
                .figure("rss_delta_bytes", "RSS growth over the scenario", (rssAfter - rssBefore) / 1048576.0, "MiB")
                .figure("probe_outputs", "probe uploads answered", probed.values().stream().mapToLong(Long::longValue).sum(),
                        "of " + probes)
                .figure("cache_hits_after_restore", "probe uploads answered CACHED", probed.getOrDefault("CACHED", 0L),
                        "of " + probes)
                .note("Entries are written as DONE table entries straight to the store's changelog topic "
                        + changelog + " and to the table topic (which the replica reads), keyed by dedup key with"
                        + " the producer's default partitioner (as Streams partitions the dedup-uploads topic), then"
                        + " Deja restores them.")
                .note("Before the restart, the old instance's group members are removed with Admin: Kafka Streams"
                        + " does not leave its group on close, so the restart would otherwise wait out"
                        + " session.timeout.ms (45 s) before restoring.")
                .note("RSS is the whole bench JVM (embedded broker, s3proxy, action host included).")
                .build();
    }

    private static void fill(String bootstrapServers, String changelog, String tableTopic, Rule rule, int entries, String actionVersion,
                             Consumer<String> progress) {
        Map<String, Object> props = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.CLIENT_ID_CONFIG, "deja-bench-scale-fill");
        long now = System.currentTimeMillis();
        int step = Math.max(1, entries / 10);
        try (KafkaProducer<String, TableEntry> producer = new KafkaProducer<>(props, new StringSerializer(),
                JsonSerde.of(TableEntry.class).serializer())) {
            for (int i = 0; i < entries; i++) {
                String md5 = Workload.md5(SALT, i);
                String key = DedupKey.of(BenchAction.NAME, actionVersion, rule.paramsHash(), md5);
                ObjectNode result = Json.object();
                result.put("ok", true);
                result.put("sleptMs", 50);
                TableEntry entry = TableEntry.builder()
                        .dedupKey(key).status(EntryStatus.DONE).action(BenchAction.NAME)
                        .actionVersion(actionVersion).contentMd5(md5).params(rule.params())
                        .result(result).activationId(String.format("%032x", i)).durationMs(50L).attempt(1)
                        .version(now * 1000 + 1).firstSeenMs(now).lastSeenMs(now).completedAtMs(now)
                        .build();
                producer.send(new ProducerRecord<>(changelog, key, entry));
                producer.send(new ProducerRecord<>(tableTopic, key, entry));
                if ((i + 1) % step == 0) {
                    progress.accept("[5/8] scale of state: changelog " + (i + 1) + "/" + entries + " entries");
                }
            }
            producer.flush();
        }
    }

    /** Uploads of {@code probes} contents spread over the table: how many come back CACHED. */
    private static Map<String, Long> probe(DejaConfig config, String bootstrapServers, int entries, int probes) {
        java.util.List<Integer> picks = new java.util.ArrayList<>();
        for (int i = 0; i < probes; i++) {
            picks.add((int) ((long) i * entries / probes));
        }
        EventFeed.Run run = new EventFeed.Run("scale-probe", SALT, new Workload(List.copyOf(picks), probes));
        try (EventFeed feed = new EventFeed(bootstrapServers);
             OutputWatcher watcher = new OutputWatcher(bootstrapServers, config.getString(DejaConfig.OUTPUT_TOPIC_CONFIG), run)) {
            feed.sendAsync(config.getString(DejaConfig.INPUT_TOPIC_CONFIG), run, 0).join();
            watcher.await(Duration.ofSeconds(120), n -> { });
            return watcher.outcomes();
        }
    }

    static long storeBytes(Path appState, String store) throws IOException {
        if (!Files.exists(appState)) {
            return 0;
        }
        try (Stream<Path> paths = Files.walk(appState)) {
            return paths.filter(Files::isRegularFile)
                    .filter(p -> p.toString().contains("/rocksdb/" + store + "/"))
                    .mapToLong(p -> {
                        try {
                            return Files.size(p);
                        } catch (IOException e) {
                            return 0;
                        }
                    }).sum();
        }
    }

    /** VmRSS of this process from /proc/self/status; 0 where there is no /proc. */
    static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
            return 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
