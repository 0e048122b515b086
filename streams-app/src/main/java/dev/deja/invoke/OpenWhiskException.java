package dev.deja.invoke;

/** A call to OpenWhisk failed. The message names the action and status, never the API key. */
public class OpenWhiskException extends RuntimeException {

    private final int httpStatus;

    public OpenWhiskException(String message, int httpStatus, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
    }

    /** HTTP status of the failed call, or 0 when no response arrived. */
    public int httpStatus() {
        return httpStatus;
    }
}
