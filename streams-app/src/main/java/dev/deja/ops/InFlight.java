package dev.deja.ops;

import dev.deja.config.DejaConfig;
import dev.deja.model.InvokerJob;
import dev.deja.serde.JsonSerde;
import dev.deja.topology.DejaTopology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What a stopped Deja still has in progress, read from Kafka: uploads parked on a pending entry
 * ({@code dedup-waiters}), objects being hashed ({@code hash-jobs}), calls the invoker has not answered
 * ({@code invoker-requests}), and records written to {@code dedup-uploads-repartition}, the invocations topic
 * or the results topic that their group has not processed yet. Wiping the table with these would lose
 * their outputs.
 */
final class InFlight {

    private static final Duration POLL = Duration.ofMillis(200);
    private static final long READ_TIMEOUT_MS = 60_000;

    private InFlight() {
    }

    /** One line per kind of work in progress; empty when there is none. */
    static List<String> of(DejaConfig config, Admin admin) throws InterruptedException, ExecutionException {
        String group = config.getString(DejaConfig.APPLICATION_ID_CONFIG);
        String invokerGroup = DejaTopology.invokerApplicationId(config);
        Set<String> existing = admin.listTopics().names().get();
        List<String> found = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(config)) {
            live(consumer, admin, existing, group + "-" + DejaTopology.WAITERS_STORE + "-changelog", value -> true,
                    found, "upload(s) parked on a pending entry (" + DejaTopology.WAITERS_STORE + ")");
            live(consumer, admin, existing, group + "-" + DejaTopology.HASH_JOBS_STORE + "-changelog", value -> true,
                    found, "object(s) being hashed (" + DejaTopology.HASH_JOBS_STORE + ")");
            live(consumer, admin, existing, invokerGroup + "-" + DejaTopology.INVOKER_REQUESTS_STORE + "-changelog",
                    InFlight::unanswered, found, "call(s) not answered yet (" + DejaTopology.INVOKER_REQUESTS_STORE + ")");
            unconsumed(consumer, admin, existing, group + "-" + DejaTopology.UPLOADS_REPARTITION + "-repartition", group,
                    found, "upload(s) not yet processed");
            unconsumed(consumer, admin, existing, config.getString(DejaConfig.INVOCATIONS_TOPIC_CONFIG), invokerGroup,
                    found, "invocation request(s) not yet processed");
            unconsumed(consumer, admin, existing, config.getString(DejaConfig.RESULTS_TOPIC_CONFIG), group,
                    found, "result(s) not yet processed");
        }
        return found;
    }

    private static boolean unanswered(byte[] value) {
        try {
            InvokerJob job = JsonSerde.of(InvokerJob.class).deserializer().deserialize("", value);
            return job != null && !job.finished();
        } catch (RuntimeException e) {
            return true;
        }
    }

    /** Counts the keys of a changelog whose last value is not a tombstone and passes {@code counts}. */
    private static void live(KafkaConsumer<byte[], byte[]> consumer, Admin admin, Set<String> existing, String topic,
            Predicate<byte[]> counts, List<String> found, String what) throws InterruptedException, ExecutionException {
        if (!existing.contains(topic)) {
            return;
        }
        Map<String, byte[]> last = new HashMap<>();
        read(consumer, partitions(admin, topic), Map.of(), record -> last.put(new String(record.key() == null
                ? new byte[0] : record.key(), java.nio.charset.StandardCharsets.UTF_8), record.value()));
        long n = last.values().stream().filter(v -> v != null && counts.test(v)).count();
        if (n > 0) {
            found.add(n + " " + what);
        }
    }

    /** Counts the records of {@code topic} after {@code group}'s committed offsets. */
    private static void unconsumed(KafkaConsumer<byte[], byte[]> consumer, Admin admin, Set<String> existing,
            String topic, String group, List<String> found, String what) throws InterruptedException, ExecutionException {
        if (!existing.contains(topic)) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, Long> from = new HashMap<>();
        committed.forEach((partition, offset) -> {
            if (partition.topic().equals(topic) && offset != null) {
                from.put(partition, offset.offset());
            }
        });
        long[] n = {0};
        read(consumer, partitions(admin, topic), from, record -> n[0]++);
        if (n[0] > 0) {
            found.add(n[0] + " " + what + " in " + topic);
        }
    }

    private static List<TopicPartition> partitions(Admin admin, String topic) throws InterruptedException, ExecutionException {
        TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        return description.partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    /** Reads committed records of {@code partitions} from {@code from} (else the beginning) to their end. */
    private static void read(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions,
            Map<TopicPartition, Long> from, java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each) {
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        from.forEach(consumer::seek);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        Set<TopicPartition> left = new HashSet<>(partitions);
        long deadline = System.currentTimeMillis() + READ_TIMEOUT_MS;
        while (true) {
            left.removeIf(p -> consumer.position(p) >= end.get(p));
            if (left.isEmpty()) {
                return;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("cannot read " + left + " to its end within " + READ_TIMEOUT_MS + " ms");
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                if (record.offset() < end.get(new TopicPartition(record.topic(), record.partition()))) {
                    each.accept(record);
                }
            }
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(DejaConfig config) {
        Map<String, Object> props = new HashMap<>();
        Set<String> known = ConsumerConfig.configNames();
        config.clientProperties().forEach((key, value) -> {
            if (known.contains(key.toString())) {
                props.put(key.toString(), value);
            }
        });
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return new KafkaConsumer<>(props);
    }
}
