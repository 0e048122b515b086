package dev.deja.s3;

/** The object is larger than the configured limit, so it is not read. */
public class ObjectTooLargeException extends S3AccessException {

    private final long size;
    private final long limit;

    public ObjectTooLargeException(String bucket, String key, long size, long limit) {
        super("object " + bucket + "/" + key + " has " + size + " bytes, over the limit of " + limit);
        this.size = size;
        this.limit = limit;
    }

    public long size() {
        return size;
    }

    public long limit() {
        return limit;
    }
}
