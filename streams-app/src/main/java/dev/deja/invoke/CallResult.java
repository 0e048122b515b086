package dev.deja.invoke;

/**
 * How one {@link OpenWhiskClient#invoke} ended (the POST plus any polling of a 202).
 *
 * @param kind        {@link Kind#SUCCESS}, a {@link Kind#FAILURE} not worth retrying, or a {@link Kind#TRANSIENT}
 *                    failure worth retrying
 * @param failureKind null on success; else OpenWhisk's status text ({@code application error},
 *                    {@code action developer error}, {@code whisk internal error}) or {@code payload too large},
 *                    {@code rejected} (401/403/404 and other 4xx), {@code unavailable} (429, 503, network, timeout)
 * @param message     human-readable reason, null on success; never holds the API key
 * @param activation  the activation record when one came back, else null
 * @param httpStatus  status of the last HTTP response, 0 when none arrived
 * @param calls       HTTP calls made (1 + polls)
 */
public record CallResult(
        Kind kind,
        String failureKind,
        String message,
        Activation activation,
        int httpStatus,
        int calls) {

    public static final String UNAVAILABLE = "unavailable";
    public static final String REJECTED = "rejected";
    public static final String PAYLOAD_TOO_LARGE = "payload too large";

    /** Outcome classes that drive retries and the circuit breaker. */
    public enum Kind {
        /** The action ran and succeeded. */
        SUCCESS,
        /** A definitive failure: the action failed or OpenWhisk refused the call. Not retried. */
        FAILURE,
        /** OpenWhisk is throttled, overloaded, broken or unreachable. Retried; counts against the breaker. */
        TRANSIENT
    }

    static CallResult success(Activation activation, int httpStatus, int calls) {
        return new CallResult(Kind.SUCCESS, null, null, activation, httpStatus, calls);
    }

    static CallResult failure(String failureKind, String message, Activation activation, int httpStatus,
            int calls) {
        return new CallResult(Kind.FAILURE, failureKind, message, activation, httpStatus, calls);
    }

    static CallResult transientFailure(String failureKind, String message, Activation activation, int httpStatus,
            int calls) {
        return new CallResult(Kind.TRANSIENT, failureKind, message, activation, httpStatus, calls);
    }

    public boolean isSuccess() {
        return kind == Kind.SUCCESS;
    }

    CallResult withCalls(int total) {
        return new CallResult(kind, failureKind, message, activation, httpStatus, total);
    }
}
