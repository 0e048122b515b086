package dev.deja.s3;

import java.util.Objects;

/**
 * Where an S3-compatible object store is and how to sign in to it.
 *
 * @param endpoint  base URL, e.g. {@code http://localhost:9000}
 * @param accessKey access key id
 * @param secretKey secret key; never shown by {@link #toString()}
 * @param region    signing region, e.g. {@code us-east-1} (MinIO's default)
 */
public record S3Settings(String endpoint, String accessKey, String secretKey, String region) {

    /** MinIO's and s3proxy's default region. */
    public static final String DEFAULT_REGION = "us-east-1";

    public S3Settings {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(accessKey, "accessKey");
        Objects.requireNonNull(secretKey, "secretKey");
        region = region == null || region.isBlank() ? DEFAULT_REGION : region;
    }

    @Override
    public String toString() {
        return "S3Settings[endpoint=" + endpoint + ", accessKey=" + accessKey + ", secretKey=****, region=" + region + "]";
    }
}
