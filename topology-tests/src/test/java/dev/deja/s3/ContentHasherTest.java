package dev.deja.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deja.local.LocalS3;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okio.Buffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ContentHasherTest {

    private static final long PART_SIZE = 5L * 1024 * 1024;
    private static final ContentHasher.Limits FAST_RETRY =
            new ContentHasher.Limits(2, 100, 64L << 20, 3, Duration.ofMillis(10), Duration.ofMillis(50));

    private static LocalS3 s3;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = LocalS3.start(null);
        s3.client().makeBucket(MakeBucketArgs.builder().bucket("uploads").build());
    }

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    @Test
    void shouldGiveSameMd5WhenSameBytesAreUploadedInOnePartAndInParts() throws Exception {
        // given
        byte[] data = new byte[(int) (PART_SIZE + 4096)];
        new Random(42).nextBytes(data);
        MinioClient client = s3.client();
        client.putObject(PutObjectArgs.builder().bucket("uploads").object("one-part.bin")
                .data(data, data.length).build());
        client.putObject(PutObjectArgs.builder().bucket("uploads").object("two-parts.bin")
                .stream(new ByteArrayInputStream(data), (long) data.length, PART_SIZE).build());
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
        try (ContentHasher hasher = new ContentHasher(client, ContentHasher.Limits.defaults())) {
            // when
            String single = hasher.md5("uploads", "one-part.bin").get(30, TimeUnit.SECONDS);
            String multi = hasher.md5("uploads", "two-parts.bin").get(30, TimeUnit.SECONDS);
            // then
            assertThat(single).isEqualTo(expected);
            assertThat(multi).isEqualTo(expected);
            assertThat(etag(client, "one-part.bin")).isEqualTo(expected);
            assertThat(etag(client, "two-parts.bin")).endsWith("-2").isNotEqualTo(expected);
        }
    }

    @Test
    void shouldRefuseObjectWhenLargerThanLimit() throws Exception {
        // given
        byte[] data = new byte[2048];
        s3.client().putObject(PutObjectArgs.builder().bucket("uploads").object("big.bin")
                .data(data, data.length).build());
        ContentHasher.Limits limits = new ContentHasher.Limits(1, 10, 1024, 3, Duration.ofMillis(10),
                Duration.ofMillis(10));
        try (ContentHasher hasher = new ContentHasher(s3.client(), limits)) {
            // when / then
            assertThatThrownBy(() -> hasher.md5("uploads", "big.bin").get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(ObjectTooLargeException.class)
                    .hasMessageContaining("uploads/big.bin")
                    .hasMessageContaining("2048");
        }
    }

    @Test
    void shouldHashOnlyTheBytesTheEventDescribedWhenTheObjectWasOverwrittenSince() throws Exception {
        // given: an upload, its ETag as the event gives it, then an overwrite of the same path
        MinioClient client = s3.client();
        byte[] first = "the first content".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        client.putObject(PutObjectArgs.builder().bucket("uploads").object("overwritten.bin").data(first, first.length).build());
        String firstETag = client.statObject(StatObjectArgs.builder().bucket("uploads").object("overwritten.bin").build())
                .etag().replace("\"", "");
        byte[] second = "another content altogether".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        client.putObject(PutObjectArgs.builder().bucket("uploads").object("overwritten.bin").data(second, second.length).build());

        try (ContentHasher hasher = new ContentHasher(client, FAST_RETRY)) {
            // when / then: the first event's bytes are gone, and that is what the hasher says
            assertThatThrownBy(() -> hasher.md5("uploads", "overwritten.bin", null, firstETag).get(30, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOf(ObjectChangedException.class)
                    .hasMessageContaining("changed since the event");
            String secondETag = client.statObject(StatObjectArgs.builder().bucket("uploads").object("overwritten.bin").build())
                    .etag().replace("\"", "");
            assertThat(hasher.md5("uploads", "overwritten.bin", null, secondETag).get(30, TimeUnit.SECONDS))
                    .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(second)));
        }
    }

    @Test
    void shouldFailWithObjectMissingWhenObjectOrBucketDoesNotExist() {
        // given
        try (ContentHasher hasher = new ContentHasher(s3.client(), FAST_RETRY)) {
            // when / then
            assertThatThrownBy(() -> hasher.md5("uploads", "nope.png").get(30, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOf(ObjectMissingException.class)
                    .hasMessageContaining("uploads/nope.png");
            assertThatThrownBy(() -> hasher.md5("no-such-bucket", "a.png").get(30, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOf(ObjectMissingException.class);
        }
    }

    @Test
    void shouldRetryWhenS3FailsTransiently() throws Exception {
        // given
        byte[] data = "retried content".getBytes();
        String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
        try (MockWebServer server = new MockWebServer()) {
            server.enqueue(new MockResponse.Builder().code(503).build());
            server.enqueue(new MockResponse.Builder().code(503).build());
            server.enqueue(objectHead(data, md5));
            server.enqueue(new MockResponse.Builder().code(200)
                    .addHeader("ETag", '"' + md5 + '"')
                    .addHeader("Last-Modified", "Wed, 01 Jul 2026 10:00:00 GMT")
                    .body(new Buffer().write(data)).build());
            server.start();
            MinioClient client = S3Clients.minio(new S3Settings(server.url("/").toString(), "test", "test-secret",
                    null), S3Clients.httpClient());
            client.setRetry(Set.of(), 0L, 1);
            try (ContentHasher hasher = new ContentHasher(client, FAST_RETRY)) {
                // when
                String result = hasher.md5("uploads", "flaky.bin").get(30, TimeUnit.SECONDS);
                // then
                assertThat(result).isEqualTo(md5);
                assertThat(server.getRequestCount()).isEqualTo(4);
            }
        }
    }

    @Test
    void shouldGiveUpWhenS3KeepsFailing() throws Exception {
        // given
        try (MockWebServer server = new MockWebServer()) {
            for (int i = 0; i < 3; i++) {
                server.enqueue(new MockResponse.Builder().code(500).build());
            }
            server.start();
            MinioClient client = S3Clients.minio(new S3Settings(server.url("/").toString(), "test", "test-secret",
                    null), S3Clients.httpClient());
            client.setRetry(Set.of(), 0L, 1);
            try (ContentHasher hasher = new ContentHasher(client, FAST_RETRY)) {
                // when / then
                assertThatThrownBy(() -> hasher.md5("uploads", "down.bin").get(30, TimeUnit.SECONDS))
                        .cause()
                        .isInstanceOf(S3AccessException.class)
                        .isNotInstanceOf(ObjectMissingException.class)
                        .hasMessageContaining("after 3 attempt(s)")
                        .hasMessageNotContaining("test-secret");
                assertThat(server.getRequestCount()).isEqualTo(3);
            }
        }
    }

    private static MockResponse objectHead(byte[] data, String md5) {
        return new MockResponse.Builder().code(200)
                .addHeader("ETag", '"' + md5 + '"')
                .addHeader("Content-Length", String.valueOf(data.length))
                .addHeader("Content-Type", "application/octet-stream")
                .addHeader("Last-Modified", "Wed, 01 Jul 2026 10:00:00 GMT")
                .build();
    }

    private static String etag(MinioClient client, String key) throws Exception {
        return client.statObject(StatObjectArgs.builder().bucket("uploads").object(key).build()).etag();
    }
}
