package dev.deja.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deja.local.LocalS3;
import dev.deja.s3.ContentHasher;
import dev.deja.s3.S3Clients;
import dev.deja.s3.S3ContentHashing;
import dev.deja.s3.S3Settings;
import dev.deja.testing.Await;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The hashing stage over the production S3 client and hasher, against s3proxy. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HashFailureStackTest {

    @Test
    void shouldDeadLetterTheUploadAtOnceWhenTheObjectStoreDeniesAccess() throws Exception {
        try (LocalS3 s3 = LocalS3.start(null)) {
            // given: a multipart upload (its ETag is not its MD5), and Deja holding a key S3 refuses (403)
            MinioClient owner = s3.client();
            owner.makeBucket(MakeBucketArgs.builder().bucket("photos").build());
            byte[] data = new byte[6 * 1024 * 1024];
            owner.putObject(PutObjectArgs.builder().bucket("photos").object("big.png")
                    .stream(new ByteArrayInputStream(data), (long) data.length, 5L * 1024 * 1024).build());
            MinioClient denied = S3Clients.minio(new S3Settings(s3.endpoint(), s3.accessKey(), "not-the-secret",
                    S3Settings.DEFAULT_REGION), s3.httpClient());
            try (ContentHasher hasher = new ContentHasher(denied, ContentHasher.Limits.defaults());
                    DedupHarness h = new DedupHarness(Map.of(), S3ContentHashing.of(hasher))) {
                // when
                h.send("photos/big.png", MinioFixtures.event("s3:ObjectCreated:CompleteMultipartUpload", "photos",
                        "big.png", "9e107d9d372bb6826bd81d3542a419d6-2", data.length, h.nextSequencer(), ""));
                long start = System.nanoTime();
                Await.until(Duration.ofSeconds(20), () -> {
                    h.advance(Duration.ofMillis(100));
                    return !h.dlq.isEmpty();
                }, "the upload dead-lettered");

                // then: dead-lettered with S3's answer within seconds, not retried for ever
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
                TestRecord<byte[], byte[]> dead = h.dlq.readRecord();
                assertThat(new String(dead.headers().lastHeader(DeadLetters.REASON).value(), StandardCharsets.UTF_8))
                        .startsWith("cannot hash s3://photos/big.png: ")
                        .doesNotContain("not-the-secret");
                assertThat(h.drainInvocations()).isEmpty();
                assertThat(h.drainOutputs()).isEmpty();
            }
        }
    }
}
