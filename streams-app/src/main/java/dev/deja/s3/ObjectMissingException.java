package dev.deja.s3;

/** The object (or its bucket) does not exist; retrying will not help. */
public class ObjectMissingException extends S3AccessException {

    private final String bucket;
    private final String key;

    public ObjectMissingException(String bucket, String key, Throwable cause) {
        super("no such object: " + bucket + "/" + key, cause);
        this.bucket = bucket;
        this.key = key;
    }

    public String bucket() {
        return bucket;
    }

    public String key() {
        return key;
    }
}
