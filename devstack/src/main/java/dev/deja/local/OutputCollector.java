package dev.deja.local;

import dev.deja.serde.JsonSerde;
import dev.deja.model.OutputRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads {@code deja-output} from the beginning as a user's consumer would: read_committed. */
public final class OutputCollector implements AutoCloseable {

    private final KafkaConsumer<String, OutputRecord> consumer;
    private final List<OutputRecord> records = new ArrayList<>();

    public OutputCollector(String bootstrapServers, String topic) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "deja-output-reader-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer = new KafkaConsumer<>(props, new StringDeserializer(), JsonSerde.of(OutputRecord.class).deserializer());
        consumer.subscribe(List.of(topic));
    }

    /** Polls until at least {@code count} records were read or the timeout passes; returns all read so far. */
    public List<OutputRecord> awaitAtLeast(int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (records.size() < count && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, OutputRecord> record : consumer.poll(Duration.ofMillis(200))) {
                records.add(record.value());
            }
        }
        return List.copyOf(records);
    }

    /** Reads whatever arrives during {@code quiet}: to check that nothing more comes. */
    public List<OutputRecord> drain(Duration quiet) {
        long deadline = System.nanoTime() + quiet.toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, OutputRecord> record : consumer.poll(Duration.ofMillis(200))) {
                records.add(record.value());
            }
        }
        return List.copyOf(records);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
