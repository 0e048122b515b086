package dev.deja.app;

import dev.deja.config.DejaConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates Deja's topics when they are missing (the table compacted, the dead-letter topic with a
 * long retention), returns once the broker describes every one of them, and refuses to start when
 * the results topic is not co-partitioned with the dedup repartition topic: a result must reach
 * the task that owns its dedup key.
 */
public final class TopicSetup {

    private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(30);
    private static final String DLQ_RETENTION_MS = Long.toString(30L * 24 * 3600 * 1000);

    private TopicSetup() {
    }

    /** Thrown when existing topics cannot work with this configuration. */
    public static final class TopicMismatchException extends RuntimeException {
        public TopicMismatchException(String message) {
            super(message);
        }
    }

    /** Creates what is missing and checks co-partitioning, retrying while the cluster is still settling. */
    public static void ensure(Admin admin, DejaConfig config) {
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        while (true) {
            try {
                ensureOnce(admin, config);
                return;
            } catch (IllegalStateException e) {
                if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
                    throw e;
                }
                LOG.info("topics not ready yet ({}), retrying", e.getCause().getMessage());
                try {
                    Thread.sleep(250);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** The topics Deja's configuration names (input, invocations, results, output, table, dead letters). */
    public static Set<String> names(DejaConfig config) {
        return wanted(config).keySet();
    }

    /** Each topic Deja sets up, with the topic settings it is created with. */
    private static Map<String, Map<String, String>> wanted(DejaConfig config) {
        Map<String, Map<String, String>> wanted = new LinkedHashMap<>();
        wanted.put(config.getString(DejaConfig.INPUT_TOPIC_CONFIG), Map.of());
        wanted.put(config.getString(DejaConfig.INVOCATIONS_TOPIC_CONFIG), Map.of());
        wanted.put(config.getString(DejaConfig.RESULTS_TOPIC_CONFIG), Map.of());
        wanted.put(config.getString(DejaConfig.OUTPUT_TOPIC_CONFIG), Map.of());
        wanted.put(config.getString(DejaConfig.TABLE_TOPIC_CONFIG), Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "60000"));
        wanted.put(config.getString(DejaConfig.DLQ_TOPIC_CONFIG), Map.of(TopicConfig.RETENTION_MS_CONFIG, DLQ_RETENTION_MS));
        return wanted;
    }

    private static void ensureOnce(Admin admin, DejaConfig config) {
        int partitions = config.getInt(DejaConfig.PARTITIONS_CONFIG);
        Optional<Short> replication = config.getShort(DejaConfig.REPLICATION_FACTOR_CONFIG) < 0
                ? Optional.empty() : Optional.of(config.getShort(DejaConfig.REPLICATION_FACTOR_CONFIG));
        Map<String, Map<String, String>> wanted = wanted(config);
        try {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            wanted.forEach((name, configs) -> {
                if (!existing.contains(name)) {
                    missing.add(new NewTopic(name, Optional.of(partitions), replication).configs(configs));
                }
            });
            for (NewTopic topic : missing) {
                try {
                    admin.createTopics(List.of(topic)).all().get();
                    LOG.info("created topic {} ({} partitions)", topic.name(), partitions);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            // Every topic is described, not only the results topic: a broker answers for a topic just
            // created only once it has applied the creation, and the table replica's global consumer
            // asks for the table topic's partitions right at start ("no partitions available").
            // An unknown topic is retriable: ensure() asks again until the broker knows them all.
            String results = config.getString(DejaConfig.RESULTS_TOPIC_CONFIG);
            TopicDescription description = admin.describeTopics(wanted.keySet()).allTopicNames().get().get(results);
            if (description.partitions().size() != partitions) {
                throw new TopicMismatchException("topic " + results + " has " + description.partitions().size()
                        + " partitions but " + DejaConfig.PARTITIONS_CONFIG + " is " + partitions
                        + ": results would reach the wrong dedup task. Set " + DejaConfig.PARTITIONS_CONFIG + "="
                        + description.partitions().size() + " or recreate the topic");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create or check Deja's topics: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
