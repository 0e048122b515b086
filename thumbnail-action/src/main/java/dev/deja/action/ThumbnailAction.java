package dev.deja.action;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.MinioException;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import javax.imageio.ImageIO;
import okhttp3.OkHttpClient;

/**
 * The demo action of {@code deja local}: makes a PNG thumbnail of an image stored in S3.
 *
 * <p>Written to OpenWhisk's Java action contract ({@code JsonObject main(JsonObject)}) and compiled
 * for Java 8, so the same class runs in Deja's in-process action host and deployed to a real
 * OpenWhisk from its own small jar ({@code wsk action create thumbnail
 * thumbnail-action/target/thumbnail-action.jar --main dev.deja.action.ThumbnailAction}).
 *
 * <p>Parameters: {@code bucket}, {@code key} (the image), {@code eTag} and {@code versionId} (the
 * bytes the upload's event describes: that version is read, and only while it has that ETag, so an
 * image overwritten since is an error, never a thumbnail of other bytes), {@code maxWidth} (default 128),
 * {@code outputBucket} (default {@code thumbnails}, created if missing), and the store:
 * {@code s3Endpoint}, {@code s3AccessKey}, {@code s3SecretKey}, {@code s3Region} (optional), or,
 * in process, the store given to {@link #defaultS3(String, String, String, String)}.
 *
 * <p>Result: {@code {"thumbnail":"s3://<outputBucket>/thumbs/<sha256 of the PNG>.png","width":..,
 * "height":..,"sourceBytes":..}}; or {@code {"error":"..."}} (an application error for OpenWhisk)
 * when the input is missing, changed since the event, not an image or larger than {@link #MAX_SOURCE_BYTES}.
 */
public final class ThumbnailAction {

    /** Images above this size are refused. */
    public static final long MAX_SOURCE_BYTES = 50L * 1024 * 1024;
    static final int DEFAULT_MAX_WIDTH = 128;
    static final String DEFAULT_OUTPUT_BUCKET = "thumbnails";

    private static final OkHttpClient HTTP = new OkHttpClient.Builder()
            .connectTimeout(Duration.ofSeconds(10))
            .readTimeout(Duration.ofMinutes(2))
            .writeTimeout(Duration.ofMinutes(2))
            .build();
    private static volatile Store defaultS3;

    /** Where images are read and thumbnails written. */
    private static final class Store {
        final String endpoint;
        final String accessKey;
        final String secretKey;
        final String region;

        Store(String endpoint, String accessKey, String secretKey, String region) {
            this.endpoint = endpoint;
            this.accessKey = accessKey;
            this.secretKey = secretKey;
            this.region = region == null || region.isEmpty() ? "us-east-1" : region;
        }

        MinioClient client() {
            return MinioClient.builder().endpoint(endpoint).credentials(accessKey, secretKey).region(region)
                    .httpClient(HTTP).build();
        }

        @Override
        public String toString() {
            return "Store[" + endpoint + "]";
        }
    }

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private ThumbnailAction() {
    }

    /** The store used when the parameters carry no {@code s3Endpoint}; for the in-process host (null: none). */
    public static void defaultS3(String endpoint, String accessKey, String secretKey, String region) {
        defaultS3 = endpoint == null ? null : new Store(endpoint, accessKey, secretKey, region);
    }

    /** OpenWhisk entry point. */
    public static JsonObject main(JsonObject args) {
        String bucket = string(args, "bucket", null);
        String key = string(args, "key", null);
        if (bucket == null || key == null) {
            return error("parameters 'bucket' and 'key' are required");
        }
        int maxWidth;
        try {
            maxWidth = Integer.parseInt(string(args, "maxWidth", String.valueOf(DEFAULT_MAX_WIDTH)));
        } catch (NumberFormatException e) {
            return error("parameter 'maxWidth' must be a number");
        }
        if (maxWidth < 1) {
            return error("parameter 'maxWidth' must be positive");
        }
        String outputBucket = string(args, "outputBucket", DEFAULT_OUTPUT_BUCKET);
        Store store = store(args);
        if (store == null) {
            return error("no S3 store: pass s3Endpoint, s3AccessKey and s3SecretKey");
        }
        MinioClient client = store.client();
        String eTag = string(args, "eTag", null);
        String versionId = string(args, "versionId", null);
        try {
            byte[] source;
            try {
                source = read(client, bucket, key, versionId, eTag);
            } catch (ErrorResponseException e) {
                String code = e.errorResponse().code();
                if ("PreconditionFailed".equals(code) || "NoSuchVersion".equals(code)) {
                    return error("s3://" + bucket + "/" + key + " changed since the event (it no longer has ETag "
                            + eTag + (versionId == null ? "" : " at version " + versionId) + ")");
                }
                throw e;
            }
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(source));
            if (image == null) {
                return error("not an image: " + bucket + "/" + key);
            }
            BufferedImage thumbnail = resize(image, maxWidth);
            byte[] png = png(thumbnail);
            String thumbKey = "thumbs/" + sha256Hex(png) + ".png";
            ensureBucket(client, outputBucket);
            client.putObject(PutObjectArgs.builder().bucket(outputBucket).object(thumbKey)
                    .data(png, png.length).contentType("image/png").build());
            JsonObject result = new JsonObject();
            result.addProperty("thumbnail", "s3://" + outputBucket + "/" + thumbKey);
            result.addProperty("width", thumbnail.getWidth());
            result.addProperty("height", thumbnail.getHeight());
            result.addProperty("sourceBytes", source.length);
            return result;
        } catch (ErrorResponseException e) {
            return error("cannot read or write " + bucket + "/" + key + ": " + e.errorResponse().code());
        } catch (MinioException | IOException | IllegalArgumentException e) {
            return error("cannot make a thumbnail of " + bucket + "/" + key + ": " + e.getMessage());
        }
    }

    static BufferedImage resize(BufferedImage image, int maxWidth) {
        int width = Math.min(image.getWidth(), maxWidth);
        int height = Math.max(1, (int) Math.round((double) image.getHeight() * width / image.getWidth()));
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(image, 0, 0, width, height, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    /** Reads {@code versionId} (null: the current version) only while it has {@code eTag} (null: any). */
    private static byte[] read(MinioClient client, String bucket, String key, String versionId, String eTag)
            throws MinioException, IOException {
        String ifMatch = eTag == null || eTag.startsWith("\"") ? eTag : "\"" + eTag + "\"";
        try (GetObjectResponse in = client.getObject(GetObjectArgs.builder().bucket(bucket).object(key)
                .versionId(versionId == null || versionId.equals("null") ? null : versionId).matchETag(ifMatch).build())) {
            return readLimited(in);
        }
    }

    private static byte[] readLimited(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            if (out.size() + n > MAX_SOURCE_BYTES) {
                throw new IllegalArgumentException("image larger than " + MAX_SOURCE_BYTES + " bytes");
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    private static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(image, "png", out)) {
            throw new IOException("no PNG writer in this JVM");
        }
        return out.toByteArray();
    }

    private static void ensureBucket(MinioClient client, String bucket) throws MinioException {
        if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
            try {
                client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
            } catch (ErrorResponseException e) {
                String code = e.errorResponse().code();
                if (!"BucketAlreadyOwnedByYou".equals(code) && !"BucketAlreadyExists".equals(code)) {
                    throw e;
                }
            }
        }
    }

    private static Store store(JsonObject args) {
        String endpoint = string(args, "s3Endpoint", null);
        if (endpoint == null) {
            return defaultS3;
        }
        String accessKey = string(args, "s3AccessKey", null);
        String secretKey = string(args, "s3SecretKey", null);
        if (accessKey == null || secretKey == null) {
            return null;
        }
        return new Store(endpoint, accessKey, secretKey, string(args, "s3Region", null));
    }

    private static String string(JsonObject args, String name, String fallback) {
        JsonElement value = args == null ? null : args.get(name);
        return value == null || value.isJsonNull() ? fallback : value.getAsString();
    }

    private static JsonObject error(String message) {
        JsonObject result = new JsonObject();
        result.addProperty("error", message);
        return result;
    }

    private static String sha256Hex(byte[] bytes) {
        try {
            StringBuilder hex = new StringBuilder(64);
            for (byte b : MessageDigest.getInstance("SHA-256").digest(bytes)) {
                hex.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
            }
            return hex.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
