package dev.deja.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deja.model.InvocationRequest;
import dev.deja.model.InvocationResult;
import dev.deja.serde.Json;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/** Records too large to write are refused before they are sent, and what they came from is dead-lettered. */
class RecordSizeTest {

    private static final String MD5 = "9e107d9d372bb6826bd81d3542a419d6";
    private static final String OTHER = "6f5902ac237024bdd0c176cb93063dc4";

    @Test
    void shouldDeadLetterTheInputAndGoOnWhenARecordDerivedFromItWouldBeTooLarge() {
        try (DedupHarness h = new DedupHarness(Map.of())) {
            // given: an upload waiting for its call, answered with a result of 1.2 MB (more than a record carries)
            h.upload("photos", "cat.png", MD5);
            InvocationRequest request = h.drainInvocations().get(0);
            String huge = "{\"pixels\":\"" + "x".repeat(1_200_000) + "\"}";

            // when
            h.results.pipeInput(request.dedupKey(), new InvocationResult(request.dedupKey(), request.attempt(), true, null,
                    Json.parse(huge), null, null, "act-1", 420L, 1, 0L, request.entrySinceMs()));
            h.upload("photos", "dog.png", OTHER);

            // then: the result that cannot be carried is in the DLQ with why; the next upload is processed
            TestRecord<byte[], byte[]> dead = h.dlq.readRecord();
            assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo(request.dedupKey());
            assertThat(header(dead, DeadLetters.REASON)).startsWith("cannot write a record to deja-")
                    .contains("bytes, more than the");
            assertThat(header(dead, DeadLetters.SOURCE_TOPIC)).isEqualTo("deja-invocation-results");
            assertThat(h.drainInvocations()).singleElement()
                    .satisfies(next -> assertThat(next.dedupKey()).endsWith(":" + OTHER));
        }
    }

    private static String header(TestRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
