package dev.deja.mirror;

/**
 * A CouchDB call that failed: the server could not be reached ({@link #status()} is 0) or answered
 * with an unexpected HTTP status. The message names the method, the database path, the status and
 * CouchDB's {@code error}/{@code reason}; it never contains credentials.
 */
public class CouchException extends RuntimeException {

    private final int status;
    private final String error;

    public CouchException(String message, int status, String error, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.error = error;
    }

    /** The HTTP status, or 0 when no answer came (connection refused, timeout, reset). */
    public int status() {
        return status;
    }

    /** CouchDB's {@code error} field (e.g. {@code conflict}, {@code unauthorized}), or null. */
    public String error() {
        return error;
    }

    /** Whether the call may succeed when retried later (no answer, 5xx, 408, 429). */
    public boolean isTransient() {
        return status == 0 || status >= 500 || status == 408 || status == 429;
    }
}
