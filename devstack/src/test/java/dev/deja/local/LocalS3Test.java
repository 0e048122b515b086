package dev.deja.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.ObjectWriteResponse;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LocalS3Test {

    private static final long PART_SIZE = 5L * 1024 * 1024;

    private static LocalS3 s3;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = LocalS3.start(null);
        s3.client().makeBucket(MakeBucketArgs.builder().bucket("photos").build());
    }

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    @Test
    void shouldReturnContentMd5EtagWhenUploadedInOnePart() throws Exception {
        // given
        byte[] data = "hello deja".getBytes();
        MinioClient client = s3.client();
        // when
        ObjectWriteResponse put = client.putObject(PutObjectArgs.builder()
                .bucket("photos").object("single.txt").data(data, data.length).contentType("text/plain").build());
        // then
        String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
        StatObjectResponse stat = client.statObject(StatObjectArgs.builder().bucket("photos").object("single.txt").build());
        assertThat(put.etag()).isEqualTo(md5);
        assertThat(stat.etag()).isEqualTo(md5);
        assertThat(stat.size()).isEqualTo(data.length);
        assertThat(stat.contentType()).isEqualTo("text/plain");
        try (GetObjectResponse in = client.getObject(GetObjectArgs.builder().bucket("photos").object("single.txt").build())) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
    }

    @Test
    void shouldReturnMd5DashPartCountEtagWhenUploadedInParts() throws Exception {
        // given
        byte[] data = new byte[(int) (2 * PART_SIZE + 1024)];
        new Random(7).nextBytes(data);
        MinioClient client = s3.client();
        // when
        ObjectWriteResponse put = client.putObject(PutObjectArgs.builder()
                .bucket("photos").object("big/multi.bin")
                .stream(new ByteArrayInputStream(data), (long) data.length, PART_SIZE).build());
        // then
        StatObjectResponse stat = client.statObject(StatObjectArgs.builder().bucket("photos").object("big/multi.bin").build());
        assertThat(stat.etag()).matches("[0-9a-f]{32}-3");
        // minio-java keeps the quotes of the CompleteMultipartUpload XML in this one place.
        assertThat(put.etag()).isEqualTo('"' + stat.etag() + '"');
        assertThat(stat.size()).isEqualTo(data.length);
        try (GetObjectResponse in = client.getObject(GetObjectArgs.builder().bucket("photos").object("big/multi.bin").build())) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
    }

    @Test
    void shouldHideSecretKeyWhenSettingsArePrinted() {
        // given
        String secret = s3.secretKey();
        // when
        String printed = s3.settings().toString();
        // then
        assertThat(secret).hasSize(40);
        assertThat(printed).doesNotContain(secret).contains(s3.endpoint());
    }
}
