package dev.deja.mirror;

import dev.deja.topology.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The mirror's dead letters on Deja's dead-letter topic: the table record's key and value as they were, with the
 * reason ({@code deja.reason}), the error class and the source coordinates in headers, as every Deja dead letter.
 */
public final class KafkaDeadLetterSink implements DeadLetterSink, AutoCloseable {

    static final String ERROR_CLASS = "dev.deja.mirror.MirrorRefusal";

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;

    /** @param kafkaProps Deja's Kafka settings (bootstrap, security); keys a producer does not know are ignored */
    public KafkaDeadLetterSink(Map<String, Object> kafkaProps, String topic) {
        Map<String, Object> props = new HashMap<>();
        Set<String> known = ProducerConfig.configNames();
        kafkaProps.forEach((key, value) -> {
            if (known.contains(key) && !key.equals(ProducerConfig.TRANSACTIONAL_ID_CONFIG)) {
                props.put(key, value);
            }
        });
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(props);
        this.topic = topic;
    }

    @Override
    public void send(List<Letter> letters) {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (Letter letter : letters) {
            Headers headers = DeadLetters.headers(letter.reason(), ERROR_CLASS, letter.topic(), letter.partition(), letter.offset());
            sent.add(producer.send(new ProducerRecord<>(topic, null, bytes(letter.key()), letter.value(), headers)));
        }
        try {
            for (Future<RecordMetadata> future : sent) {
                future.get(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while writing dead letters", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new KafkaException("cannot write dead letters to " + topic + ": " + e, e);
        }
    }

    private static byte[] bytes(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close();
    }
}
