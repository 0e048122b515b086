package dev.deja.s3;

/**
 * The object no longer has the bytes its event described: overwritten since (its ETag differs) or
 * that version is gone. Retrying will not help; its newer content comes with an event of its own.
 */
public class ObjectChangedException extends S3AccessException {

    public ObjectChangedException(String bucket, String key, String eTag, Throwable cause) {
        super("s3://" + bucket + "/" + key + " changed since the event (it no longer has ETag " + eTag + ")", cause);
    }
}
