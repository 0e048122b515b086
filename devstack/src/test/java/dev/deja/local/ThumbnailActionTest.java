package dev.deja.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.deja.action.ThumbnailAction;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.MakeBucketArgs;
import io.minio.PutObjectArgs;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ThumbnailActionTest {

    private static LocalS3 s3;

    @BeforeAll
    static void startS3() throws Exception {
        System.setProperty("java.awt.headless", "true");
        s3 = LocalS3.start(null);
        s3.client().makeBucket(MakeBucketArgs.builder().bucket("photos").build());
    }

    @AfterAll
    static void stopS3() {
        ThumbnailAction.defaultS3(null, null, null, null);
        s3.close();
    }

    @Test
    void shouldWriteScaledPngWhenInputIsImage() throws Exception {
        // given
        byte[] png = generatedPng(400, 300);
        put("cats/tom.png", png);
        JsonObject args = credentialParams();
        args.addProperty("bucket", "photos");
        args.addProperty("key", "cats/tom.png");
        // when
        JsonObject result = ThumbnailAction.main(args);
        JsonObject again = ThumbnailAction.main(args);
        // then
        assertThat(result.has("error")).as("result %s", result).isFalse();
        assertThat(result.get("width").getAsInt()).isEqualTo(128);
        assertThat(result.get("height").getAsInt()).isEqualTo(96);
        assertThat(result.get("sourceBytes").getAsLong()).isEqualTo(png.length);
        String ref = result.get("thumbnail").getAsString();
        assertThat(ref).matches("s3://thumbnails/thumbs/[0-9a-f]{64}\\.png");
        assertThat(again.get("thumbnail").getAsString()).isEqualTo(ref);
        String key = ref.substring("s3://thumbnails/".length());
        try (GetObjectResponse in = s3.client().getObject(GetObjectArgs.builder().bucket("thumbnails").object(key).build())) {
            BufferedImage thumbnail = ImageIO.read(new ByteArrayInputStream(in.readAllBytes()));
            assertThat(thumbnail.getWidth()).isEqualTo(128);
            assertThat(thumbnail.getHeight()).isEqualTo(96);
        }
    }

    @Test
    void shouldUseDefaultStoreAndParamsWhenRunInProcess() throws Exception {
        // given
        put("small.png", generatedPng(40, 20));
        ThumbnailAction.defaultS3(s3.endpoint(), s3.accessKey(), s3.secretKey(), null);
        JsonObject args = new JsonObject();
        args.addProperty("bucket", "photos");
        args.addProperty("key", "small.png");
        args.addProperty("maxWidth", 64);
        args.addProperty("outputBucket", "small-thumbs");
        // when
        JsonObject result = ThumbnailAction.main(args);
        // then
        assertThat(result.get("thumbnail").getAsString()).startsWith("s3://small-thumbs/thumbs/");
        assertThat(result.get("width").getAsInt()).isEqualTo(40);
        assertThat(result.get("height").getAsInt()).isEqualTo(20);
    }

    @Test
    void shouldReturnErrorWhenInputIsNotAnImage() throws Exception {
        // given
        put("notes.txt", "just text".getBytes());
        JsonObject args = credentialParams();
        args.addProperty("bucket", "photos");
        args.addProperty("key", "notes.txt");
        JsonObject missing = credentialParams();
        missing.addProperty("bucket", "photos");
        missing.addProperty("key", "gone.png");
        // when
        JsonObject result = ThumbnailAction.main(args);
        JsonObject missingResult = ThumbnailAction.main(missing);
        // then
        assertThat(result.get("error").getAsString()).contains("not an image").contains("photos/notes.txt");
        assertThat(missingResult.get("error").getAsString()).contains("NoSuchKey")
                .doesNotContain(s3.secretKey());
    }

    private static JsonObject credentialParams() {
        JsonObject args = new JsonObject();
        args.addProperty("s3Endpoint", s3.endpoint());
        args.addProperty("s3AccessKey", s3.accessKey());
        args.addProperty("s3SecretKey", s3.secretKey());
        return args;
    }

    private static void put(String key, byte[] data) throws Exception {
        s3.client().putObject(PutObjectArgs.builder().bucket("photos").object(key).data(data, data.length).build());
    }

    private static byte[] generatedPng(int width, int height) throws Exception {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.ORANGE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLUE);
        g.fillOval(width / 4, height / 4, width / 2, height / 2);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
