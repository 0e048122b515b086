package dev.deja.topology;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The dead-letter records Deja writes: the original key and bytes, with why it was rejected and where it came
 * from in headers. Every part is bounded so that a dead letter can always be written: the reason is cut to
 * {@value #MAX_REASON_CHARS} characters, and a key and value that would not fit in one record are cut, their
 * original sizes in {@value #KEY_BYTES} and {@value #VALUE_BYTES} (the source headers still point at the whole
 * record on the input topic).
 */
public final class DeadLetters {

    public static final String REASON = "deja.reason";
    public static final String ERROR_CLASS = "deja.error.class";
    public static final String SOURCE_TOPIC = "deja.source.topic";
    public static final String SOURCE_PARTITION = "deja.source.partition";
    public static final String SOURCE_OFFSET = "deja.source.offset";
    /** Set only when the key was cut: the original key's size in bytes. */
    public static final String KEY_BYTES = "deja.key.bytes";
    /** Set only when the value was cut: the original value's size in bytes. */
    public static final String VALUE_BYTES = "deja.value.bytes";

    /** Longest reason a dead letter carries. */
    public static final int MAX_REASON_CHARS = 1000;
    /** What a record may hold below the producer's {@code max.request.size}: headers, batch overhead. */
    static final int RECORD_OVERHEAD_BYTES = 16 * 1024;
    private static final int MAX_TEXT_CHARS = 256;
    private static final int KEPT_KEY_BYTES = 1024;

    private DeadLetters() {
    }

    /** A dead-letter record's key, value and headers. */
    public record Letter(byte[] key, byte[] value, Headers headers) {
    }

    public static Headers headers(String reason, String errorClass, String topic, int partition, long offset) {
        Headers headers = new RecordHeaders();
        headers.add(REASON, bytes(cut(reason, MAX_REASON_CHARS)));
        headers.add(ERROR_CLASS, bytes(cut(errorClass, MAX_TEXT_CHARS)));
        headers.add(SOURCE_TOPIC, bytes(cut(topic, MAX_TEXT_CHARS)));
        headers.add(SOURCE_PARTITION, bytes(Integer.toString(partition)));
        headers.add(SOURCE_OFFSET, bytes(Long.toString(offset)));
        return headers;
    }

    /**
     * A dead letter of {@code key} and {@code value} with the given headers, cut so that key and value together
     * stay within {@code maxBytes}: the value first, then the key to its first kilobyte.
     */
    public static Letter letter(byte[] key, byte[] value, Headers headers, int maxBytes) {
        int keyBytes = key == null ? 0 : key.length;
        int valueBytes = value == null ? 0 : value.length;
        if ((long) keyBytes + valueBytes <= maxBytes) {
            return new Letter(key, value, headers);
        }
        byte[] keptKey = key;
        if (keyBytes > maxBytes / 2) {
            keptKey = Arrays.copyOf(key, Math.min(keyBytes, KEPT_KEY_BYTES));
            headers.add(KEY_BYTES, bytes(Integer.toString(keyBytes)));
        }
        byte[] keptValue = value;
        int room = Math.max(0, maxBytes - (keptKey == null ? 0 : keptKey.length));
        if (valueBytes > room) {
            keptValue = Arrays.copyOf(value, room);
            headers.add(VALUE_BYTES, bytes(Integer.toString(valueBytes)));
        }
        return new Letter(keptKey, keptValue, headers);
    }

    /** The reasons of a record's rejected parts, joined and cut to {@value #MAX_REASON_CHARS} characters. */
    public static String reasons(List<String> reasons) {
        StringBuilder joined = new StringBuilder();
        int used = 0;
        for (String reason : reasons) {
            String part = (used == 0 ? "" : "; ") + reason;
            if (joined.length() + part.length() > MAX_REASON_CHARS - 40) {
                break;
            }
            joined.append(part);
            used++;
        }
        if (used == 0 && !reasons.isEmpty()) {
            joined.append(cut(reasons.get(0), MAX_REASON_CHARS - 40));
            used = 1;
        }
        if (used < reasons.size()) {
            joined.append("; and ").append(reasons.size() - used).append(" more");
        }
        return joined.toString();
    }

    /**
     * The largest key and value a dead letter (or any record Deja writes) may carry under the producer's
     * {@code max.request.size} (Kafka's default 1 MiB when not set), leaving room for headers.
     */
    public static int maxRecordBytes(Map<String, ?> streamsProperties) {
        Object configured = streamsProperties.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        Object prefixed = streamsProperties.get("producer." + ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        Object value = prefixed != null ? prefixed : configured;
        int max = value == null ? 1024 * 1024 : Integer.parseInt(value.toString().trim());
        return Math.max(max - RECORD_OVERHEAD_BYTES, 1024);
    }

    static String cut(String text, int max) {
        if (text == null || text.length() <= max) {
            return text;
        }
        return text.substring(0, max - 20) + "... (cut, " + text.length() + " chars)";
    }

    private static byte[] bytes(String text) {
        return (text == null ? "" : text).getBytes(StandardCharsets.UTF_8);
    }
}
