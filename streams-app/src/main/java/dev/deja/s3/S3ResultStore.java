package dev.deja.s3;

import dev.deja.invoke.ResultStore;
import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.MinioException;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Keeps large action results in an S3 bucket (the claim check of the design): content-addressed,
 * so storing the same result twice writes one object and returns the same reference.
 *
 * <p>Objects are stored under {@code results/<sha256 hex>.json}; references have the form
 * {@code s3://<bucket>/results/<sha256 hex>.json}. The bucket is created if missing.
 */
public final class S3ResultStore implements ResultStore {

    static final String PREFIX = "results/";
    private static final String SCHEME = "s3://";

    private final MinioClient client;
    private final String bucket;
    private volatile boolean bucketReady;

    public S3ResultStore(MinioClient client, String bucket) {
        this.client = Objects.requireNonNull(client, "client");
        this.bucket = Objects.requireNonNull(bucket, "bucket");
    }

    /** Stores the JSON bytes (if not there yet) and returns their {@code s3://} reference. */
    @Override
    public String put(byte[] json) {
        String key = PREFIX + sha256Hex(json) + ".json";
        try {
            ensureBucket();
            if (!exists(key)) {
                client.putObject(PutObjectArgs.builder()
                        .bucket(bucket)
                        .object(key)
                        .data(json, json.length)
                        .contentType("application/json")
                        .build());
            }
            return SCHEME + bucket + "/" + key;
        } catch (MinioException e) {
            throw new S3AccessException("cannot store result " + bucket + "/" + key + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads the bytes behind a reference made by {@link #put(byte[])}.
     *
     * @throws IllegalArgumentException if {@code ref} is not an {@code s3://bucket/key} reference
     * @throws ObjectMissingException   if nothing is stored under it
     */
    @Override
    public byte[] get(String ref) {
        if (ref == null || !ref.startsWith(SCHEME) || ref.indexOf('/', SCHEME.length()) < 0) {
            throw new IllegalArgumentException("not an s3://bucket/key reference: " + ref);
        }
        int slash = ref.indexOf('/', SCHEME.length());
        String refBucket = ref.substring(SCHEME.length(), slash);
        String key = ref.substring(slash + 1);
        try (GetObjectResponse in = client.getObject(GetObjectArgs.builder().bucket(refBucket).object(key).build())) {
            return in.readAllBytes();
        } catch (MinioException | IOException e) {
            if (S3Errors.isMissing(e)) {
                throw new ObjectMissingException(refBucket, key, e);
            }
            throw new S3AccessException("cannot read result " + refBucket + "/" + key + ": " + e.getMessage(), e);
        }
    }

    private boolean exists(String key) throws MinioException {
        try {
            client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
            return true;
        } catch (ErrorResponseException e) {
            if (S3Errors.isMissing(e)) {
                return false;
            }
            throw e;
        } catch (MinioException e) {
            if (S3Errors.isMissing(e)) {
                return false;
            }
            throw e;
        }
    }

    private void ensureBucket() throws MinioException {
        if (bucketReady) {
            return;
        }
        synchronized (this) {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                try {
                    client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
                } catch (ErrorResponseException e) {
                    String code = e.errorResponse() == null ? "" : e.errorResponse().code();
                    if (!"BucketAlreadyOwnedByYou".equals(code) && !"BucketAlreadyExists".equals(code)) {
                        throw e;
                    }
                }
            }
            bucketReady = true;
        }
    }

    static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
