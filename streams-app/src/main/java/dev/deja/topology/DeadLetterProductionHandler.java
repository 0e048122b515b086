package dev.deja.topology;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a record Deja cannot write does. A record that cannot be serialized or is too large (checked before it is
 * sent, see {@link SizeCheckedSerde}) sends the input record it came from to the dead-letter topic, with the reason
 * and where it came from, and processing goes on: writing it again would fail again. Any other send failure fails
 * the task, as Kafka Streams' default does (under exactly-once the transaction is aborted and nothing is lost).
 */
public final class DeadLetterProductionHandler implements ProductionExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterProductionHandler.class);

    private String deadLetterTopic;
    private int maxRecordBytes;

    @Override
    public void configure(Map<String, ?> configs) {
        Object topic = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
        deadLetterTopic = topic == null ? null : topic.toString();
        maxRecordBytes = DeadLetters.maxRecordBytes(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        if (exception instanceof RecordTooLargeException) {
            return deadLetter(context, record.topic(), exception);
        }
        LOG.warn("task {}: cannot write to {}: {}", context.taskId(), record.topic(), exception.toString());
        return Response.fail();
    }

    @Override
    public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception exception,
            SerializationExceptionOrigin origin) {
        return deadLetter(context, record.topic(), exception);
    }

    private Response deadLetter(ErrorHandlerContext context, String topic, Exception exception) {
        String reason = "cannot write a record to " + topic + ": " + exception.getMessage();
        if (deadLetterTopic == null || context.topic() == null || topic.equals(deadLetterTopic)) {
            LOG.warn("task {}: {} (record dropped)", context.taskId(), reason);
            return Response.resume();
        }
        LOG.warn("task {}: {}; its input {}-{}@{} sent to the dead-letter topic {}", context.taskId(), reason,
                context.topic(), context.partition(), context.offset(), deadLetterTopic);
        DeadLetters.Letter letter = DeadLetters.letter(context.sourceRawKey(), context.sourceRawValue(),
                DeadLetters.headers(reason, exception.getClass().getName(), context.topic(), context.partition(),
                        context.offset()), maxRecordBytes);
        return Response.resume(List.of(new ProducerRecord<>(deadLetterTopic, null, letter.key(), letter.value(),
                letter.headers())));
    }
}
