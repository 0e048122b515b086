package dev.deja.s3;

import io.minio.MinioClient;
import java.time.Duration;
import okhttp3.OkHttpClient;

/** Builds minio-java clients that share one {@link OkHttpClient} (its pool and threads). */
public final class S3Clients {

    private S3Clients() {
    }

    /**
     * A client for the given store. The region is set explicitly so no bucket-location request is
     * made. Closing the returned client does not close {@code shared}.
     */
    public static MinioClient minio(S3Settings settings, OkHttpClient shared) {
        return MinioClient.builder()
                .endpoint(settings.endpoint())
                .credentials(settings.accessKey(), settings.secretKey())
                .region(settings.region())
                .httpClient(shared)
                .build();
    }

    /** An HTTP client with explicit timeouts suited to object transfers. */
    public static OkHttpClient httpClient() {
        return new OkHttpClient.Builder()
                .connectTimeout(Duration.ofSeconds(10))
                .readTimeout(Duration.ofMinutes(2))
                .writeTimeout(Duration.ofMinutes(2))
                .callTimeout(Duration.ZERO)
                .build();
    }
}
