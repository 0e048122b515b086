package dev.deja.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deja.event.MinioEvents;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ContentHashingTest {

    private static final String MD5 = "9e107d9d372bb6826bd81d3542a419d6";

    @ParameterizedTest(name = "ETag {0}, extra metadata [{1}]")
    @CsvSource(delimiter = '|', value = {
        "9e107d9d372bb6826bd81d3542a419d6-2 |",
        "6f5902ac237024bdd0c176cb93063dc4 |,\"X-Amz-Server-Side-Encryption-Customer-Algorithm\":\"AES256\"",
        "6f5902ac237024bdd0c176cb93063dc4 |,\"X-Amz-Server-Side-Encryption\":\"aws:kms\"",
    })
    void shouldHashTheObjectWhenItsETagIsNotTheContentMd5(String eTag, String metadata) {
        List<String> hashed = new CopyOnWriteArrayList<>();
        ContentHashing hashing = (bucket, key, versionId, objectETag) -> {
            hashed.add(bucket + "/" + key + " If-Match " + objectETag);
            return CompletableFuture.completedFuture(MD5);
        };
        try (DedupHarness h = new DedupHarness(Map.of(), hashing)) {
            // when
            h.send("photos/big.png", MinioFixtures.event("s3:ObjectCreated:CompleteMultipartUpload", "photos", "big.png",
                    eTag, 12_000_000, h.nextSequencer(), metadata == null ? "" : metadata));
            h.advance(Duration.ofMillis(100));

            // then
            assertThat(hashed).as("the bytes the event describes, not whatever the path holds now")
                    .containsExactly("photos/big.png If-Match " + eTag);
            assertThat(h.drainInvocations()).singleElement()
                    .satisfies(r -> assertThat(r.dedupKey()).endsWith(":" + MD5));
        }
    }

    @Test
    void shouldRecogniseAMultipartUploadAsTheSameContentWhenItsHashMatches() {
        ContentHashing hashing = (bucket, key, versionId, eTag) -> CompletableFuture.completedFuture(MD5);
        try (DedupHarness h = new DedupHarness(Map.of(), hashing)) {
            h.upload("photos", "single.png", MD5);
            h.send("photos/multi.png", MinioFixtures.event("s3:ObjectCreated:CompleteMultipartUpload", "photos", "multi.png",
                    "a7d1e0f5b2c3d4e5f60718293a4b5c6d-3", 12_000_000, h.nextSequencer(), ""));
            h.advance(Duration.ofMillis(100));

            assertThat(h.drainInvocations()).hasSize(1);
        }
    }

    @Test
    void shouldSendTheEventToTheDeadLetterTopicWhenTheObjectCannotBeHashed() throws Exception {
        ContentHashing hashing = (bucket, key, versionId, eTag) -> CompletableFuture.failedFuture(new ContentHashing.Rejected("object is missing"));
        try (DedupHarness h = new DedupHarness(Map.of(), hashing)) {
            String event = MinioFixtures.event("s3:ObjectCreated:CompleteMultipartUpload", "photos", "gone.png",
                    "9e107d9d372bb6826bd81d3542a419d6-2", 12_000_000, h.nextSequencer(), "");

            h.send("photos/gone.png", event);
            h.advance(Duration.ofMillis(100));

            // then: the object's record alone, as MinIO would send it, so it can be replayed as the same upload
            TestRecord<byte[], byte[]> dead = h.dlq.readRecord();
            assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("photos/gone.png");
            assertThat(MinioEvents.parse(dead.value()).objects())
                    .isEqualTo(MinioEvents.parse(event.getBytes(StandardCharsets.UTF_8)).objects());
            assertThat(new String(dead.headers().lastHeader(DeadLetters.REASON).value(), StandardCharsets.UTF_8))
                    .isEqualTo("cannot hash s3://photos/gone.png: object is missing");
            assertThat(new String(dead.headers().lastHeader(DeadLetters.SOURCE_OFFSET).value(), StandardCharsets.UTF_8))
                    .isEqualTo("0");
            assertThat(h.drainInvocations()).isEmpty();
        }
    }

    @Test
    void shouldRetryHashingWhenTheObjectStoreFailsForAWhile() {
        List<Integer> calls = new CopyOnWriteArrayList<>();
        ContentHashing hashing = (bucket, key, versionId, eTag) -> {
            calls.add(1);
            return calls.size() < 3 ? CompletableFuture.failedFuture(new java.io.IOException("connection reset"))
                    : CompletableFuture.completedFuture(MD5);
        };
        try (DedupHarness h = new DedupHarness(Map.of(), hashing)) {
            h.send("photos/big.png", MinioFixtures.event("s3:ObjectCreated:CompleteMultipartUpload", "photos", "big.png",
                    "9e107d9d372bb6826bd81d3542a419d6-2", 12_000_000, h.nextSequencer(), ""));
            for (int i = 0; i < 20 && h.invocations.isEmpty(); i++) {
                h.advance(Duration.ofMillis(500));
            }

            assertThat(calls).hasSize(3);
            assertThat(h.drainInvocations()).hasSize(1);
            assertThat(h.dlq.isEmpty()).isTrue();
        }
    }

    @Test
    void shouldDeadLetterTheUploadWithTheLastErrorWhenTheObjectStoreFailsLongerThanTheHashTimeout() {
        // given: S3 answers every read with a transient failure
        List<Integer> calls = new CopyOnWriteArrayList<>();
        ContentHashing hashing = (bucket, key, versionId, eTag) -> {
            calls.add(1);
            return CompletableFuture.failedFuture(new java.io.IOException("connection reset"));
        };
        try (DedupHarness h = new DedupHarness(Map.of("deja.hash.timeout.ms", "20000"), hashing)) {
            h.send("photos/big.png", MinioFixtures.event("s3:ObjectCreated:CompleteMultipartUpload", "photos", "big.png",
                    "9e107d9d372bb6826bd81d3542a419d6-2", 12_000_000, h.nextSequencer(), ""));

            // when: well past the timeout
            for (int i = 0; i < 60 && h.dlq.isEmpty(); i++) {
                h.advance(Duration.ofSeconds(1));
            }

            // then: retried for a while, then dead-lettered with why, and no more attempts
            TestRecord<byte[], byte[]> dead = h.dlq.readRecord();
            assertThat(new String(dead.headers().lastHeader(DeadLetters.REASON).value(), StandardCharsets.UTF_8))
                    .startsWith("cannot hash s3://photos/big.png: gave up after")
                    .contains("java.io.IOException: connection reset");
            int attempts = calls.size();
            assertThat(attempts).isGreaterThan(3);
            h.advance(Duration.ofMinutes(2));
            assertThat(calls).hasSize(attempts);
            assertThat(h.drainInvocations()).isEmpty();
        }
    }
}
