package dev.deja.invoke;

/**
 * How one HTTP exchange of {@link OpenWhiskClient} ended: an invocation ({@code POST .../actions/...}) or one
 * read of an activation ({@code GET .../activations/{id}}).
 *
 * @param kind        what the exchange says about the activation; see {@link Kind}
 * @param failureKind null on success; else OpenWhisk's status text ({@code application error},
 *                    {@code action developer error}, {@code whisk internal error}) or {@code payload too large},
 *                    {@code rejected} (401/403/404 and other 4xx), {@code unavailable} (429, 503, network, timeout)
 * @param message     human-readable reason, null on success; never holds the API key
 * @param activation  the activation record when one came back (for {@link Kind#ACCEPTED}, a record with only
 *                    its id), else null
 * @param httpStatus  status of the last HTTP response, 0 when none arrived
 * @param calls       HTTP calls made
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

    public static final String UNCERTAIN = "uncertain";

    /** Outcome classes that drive retries and the circuit breaker. */
    public enum Kind {
        /** The action ran and succeeded. */
        SUCCESS,
        /** A definitive failure: the action failed or OpenWhisk refused the call. Not retried. */
        FAILURE,
        /**
         * OpenWhisk did not take the request: it was never sent (no connection), or OpenWhisk refused it (429,
         * 503, 408), or a read of an activation failed. Safe to send again; counts against the breaker.
         */
        TRANSIENT,
        /** OpenWhisk accepted the invocation: the activation id is known, its record is to be read. */
        ACCEPTED,
        /** The activation's record is not stored yet (404 on read): read it again later. */
        PENDING,
        /**
         * The request was sent and no answer says whether OpenWhisk accepted it (a timeout or reset after the
         * request went out, a gateway's 504, a 500 or a 502 without a record). Never sent again blindly.
         */
        UNCERTAIN
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

    static CallResult accepted(String activationId, int httpStatus, int calls) {
        return new CallResult(Kind.ACCEPTED, null, null, Activation.idOnly(activationId), httpStatus, calls);
    }

    static CallResult pending(int httpStatus, int calls) {
        return new CallResult(Kind.PENDING, null, null, null, httpStatus, calls);
    }

    static CallResult uncertain(String message, int httpStatus, int calls) {
        return new CallResult(Kind.UNCERTAIN, UNCERTAIN, message, null, httpStatus, calls);
    }

    public boolean isSuccess() {
        return kind == Kind.SUCCESS;
    }

    CallResult withCalls(int total) {
        return new CallResult(kind, failureKind, message, activation, httpStatus, total);
    }
}
