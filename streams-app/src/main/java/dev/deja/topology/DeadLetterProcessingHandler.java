package dev.deja.topology;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a failure inside Deja's processors does: the first time a record fails, the task fails (the stream thread
 * is replaced and the record is processed again from the last commit, which is what a passing cause needs); the
 * second time the same record fails, it goes to the dead-letter topic with the reason and processing goes on. So
 * no record makes a stream thread fail twice. A punctuation that fails twice is skipped the same way (it runs
 * again at its next interval).
 */
public final class DeadLetterProcessingHandler implements ProcessingExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterProcessingHandler.class);
    private static final int MAX_REMEMBERED = 10_000;
    /** Records that failed once in this process, by application, task, source and offset. */
    private static final Set<String> FAILED_ONCE = ConcurrentHashMap.newKeySet();

    private String applicationId = "";
    private String deadLetterTopic;
    private int maxRecordBytes;

    @Override
    public void configure(Map<String, ?> configs) {
        Object id = configs.get(StreamsConfig.APPLICATION_ID_CONFIG);
        applicationId = id == null ? "" : id.toString();
        Object topic = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
        deadLetterTopic = topic == null ? null : topic.toString();
        maxRecordBytes = DeadLetters.maxRecordBytes(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        String where = context.topic() == null
                ? "punctuation of " + context.processorNodeId()
                : context.topic() + "-" + context.partition() + "@" + context.offset();
        String id = applicationId + "/" + context.taskId() + "/" + context.processorNodeId() + "/" + where;
        if (FAILED_ONCE.size() > MAX_REMEMBERED) {
            FAILED_ONCE.clear();
        }
        if (FAILED_ONCE.add(id)) {
            LOG.warn("task {}: {} failed in {} ({}); the task fails and processes it once more", context.taskId(), where,
                    context.processorNodeId(), exception.toString());
            return Response.fail();
        }
        FAILED_ONCE.remove(id);
        String reason = "processing failed twice in " + context.processorNodeId() + ": " + exception;
        if (context.topic() == null || deadLetterTopic == null) {
            LOG.warn("task {}: {} failed again ({}); skipped", context.taskId(), where, exception.toString());
            return Response.resume();
        }
        LOG.warn("task {}: {} failed again in {} ({}); sent to the dead-letter topic {}", context.taskId(), where,
                context.processorNodeId(), exception.toString(), deadLetterTopic);
        DeadLetters.Letter letter = DeadLetters.letter(context.sourceRawKey(), context.sourceRawValue(),
                DeadLetters.headers(reason, exception.getClass().getName(), context.topic(), context.partition(),
                        context.offset()), maxRecordBytes);
        return Response.resume(List.of(new ProducerRecord<>(deadLetterTopic, null, letter.key(), letter.value(),
                letter.headers())));
    }
}
