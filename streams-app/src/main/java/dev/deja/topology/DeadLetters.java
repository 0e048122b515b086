package dev.deja.topology;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** The headers of a dead-letter record: why it was rejected and where it came from. */
public final class DeadLetters {

    public static final String REASON = "deja.reason";
    public static final String ERROR_CLASS = "deja.error.class";
    public static final String SOURCE_TOPIC = "deja.source.topic";
    public static final String SOURCE_PARTITION = "deja.source.partition";
    public static final String SOURCE_OFFSET = "deja.source.offset";

    private DeadLetters() {
    }

    public static Headers headers(String reason, String errorClass, String topic, int partition, long offset) {
        Headers headers = new RecordHeaders();
        headers.add(REASON, bytes(reason));
        headers.add(ERROR_CLASS, bytes(errorClass));
        headers.add(SOURCE_TOPIC, bytes(topic));
        headers.add(SOURCE_PARTITION, bytes(Integer.toString(partition)));
        headers.add(SOURCE_OFFSET, bytes(Long.toString(offset)));
        return headers;
    }

    private static byte[] bytes(String text) {
        return (text == null ? "" : text).getBytes(StandardCharsets.UTF_8);
    }
}
