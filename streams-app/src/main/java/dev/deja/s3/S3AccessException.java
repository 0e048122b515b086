package dev.deja.s3;

/** An object store request failed; the message names the bucket and key, never credentials. */
public class S3AccessException extends RuntimeException {

    public S3AccessException(String message, Throwable cause) {
        super(message, cause);
    }

    public S3AccessException(String message) {
        super(message);
    }
}
