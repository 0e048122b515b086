package dev.deja.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DeadLetterTest {

    private static final String MD5 = "9e107d9d372bb6826bd81d3542a419d6";

    static Stream<Arguments> malformedEvents() {
        String good = MinioFixtures.created("photos", "cat.png", MD5, 1234, "187A9E2C9B5D3A10");
        return Stream.of(
                Arguments.of("bad JSON", "{\"EventName\": \"s3:ObjectCreated:Put\", \"Records\": [".getBytes(StandardCharsets.UTF_8),
                        "value is not JSON"),
                Arguments.of("binary garbage", new byte[] {(byte) 0xC3, (byte) 0x28, 0x00, (byte) 0xFF, 0x13},
                        "value is not UTF-8 text"),
                Arguments.of("empty value", new byte[0], "empty value"),
                Arguments.of("JSON array", "[1,2,3]".getBytes(StandardCharsets.UTF_8), "value is not a JSON object"),
                Arguments.of("no Records", "{\"EventName\":\"s3:ObjectCreated:Put\",\"Key\":\"photos/cat.png\"}"
                        .getBytes(StandardCharsets.UTF_8), "no Records array"),
                Arguments.of("empty Records", "{\"EventName\":\"s3:ObjectCreated:Put\",\"Records\":[]}"
                        .getBytes(StandardCharsets.UTF_8), "Records is empty"),
                Arguments.of("size of the wrong type", good.replace("\"size\":1234", "\"size\":\"big\"")
                        .getBytes(StandardCharsets.UTF_8), "Records[0]: s3.object.size is not a non-negative number"),
                Arguments.of("key of the wrong type", good.replace("\"key\":\"cat.png\"", "\"key\":42")
                        .getBytes(StandardCharsets.UTF_8), "Records[0]: key is not a string"),
                Arguments.of("missing object key", good.replace("\"key\":\"cat.png\",", "")
                        .getBytes(StandardCharsets.UTF_8), "Records[0]: missing key"),
                Arguments.of("missing event name", good.replace("\"eventName\":\"s3:ObjectCreated:Put\",", "")
                        .getBytes(StandardCharsets.UTF_8), "Records[0]: missing eventName"),
                Arguments.of("oversize key", good.replace("\"key\":\"cat.png\"", "\"key\":\"" + "a".repeat(1025) + "\"")
                        .getBytes(StandardCharsets.UTF_8), "Records[0]: s3.object.key is longer than 1024 bytes"),
                Arguments.of("bad escape in key", good.replace("\"key\":\"cat.png\"", "\"key\":\"cat%ZZ.png\"")
                        .getBytes(StandardCharsets.UTF_8), "Records[0]: s3.object.key is not URL-encoded"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedEvents")
    void shouldSendTheEventToTheDeadLetterTopicAndGoOnWhenItIsMalformed(String kind, byte[] value, String reason) {
        try (DedupHarness h = new DedupHarness(Map.of())) {
            // given
            byte[] key = "photos/cat.png".getBytes(StandardCharsets.UTF_8);

            // when
            h.send(key, value);
            h.upload("photos", "next.png", MD5);

            // then: the bad record, untouched, with why and where in its headers
            TestRecord<byte[], byte[]> dead = h.dlq.readRecord();
            assertThat(dead.key()).isEqualTo(key);
            assertThat(dead.value()).isEqualTo(value);
            assertThat(header(dead, DeadLetters.REASON)).startsWith(reason);
            assertThat(header(dead, DeadLetters.ERROR_CLASS)).isEqualTo("dev.deja.event.MalformedEventException");
            assertThat(header(dead, DeadLetters.SOURCE_TOPIC)).isEqualTo("bucket-events");
            assertThat(header(dead, DeadLetters.SOURCE_PARTITION)).isEqualTo("0");
            assertThat(header(dead, DeadLetters.SOURCE_OFFSET)).isEqualTo("0");
            assertThat(h.dlq.isEmpty()).isTrue();
            // and the next event is processed
            assertThat(h.drainInvocations()).hasSize(1);
        }
    }

    private static String header(TestRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
