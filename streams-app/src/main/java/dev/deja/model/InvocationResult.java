package dev.deja.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Value of {@code deja-invocation-results} (key: dedup key): how one request ended.
 * A successful result carries {@code result} inline or, above the inline limit, {@code resultRef}
 * (an object-store reference, {@code s3://bucket/key}). A failed one carries {@code error} and
 * {@code failureKind} (OpenWhisk's response status, or {@code unavailable} when the call could not be made).
 */
public record InvocationResult(
        String dedupKey,
        int attempt,
        boolean success,
        String failureKind,
        JsonNode result,
        String resultRef,
        String error,
        String activationId,
        Long durationMs,
        int calls,
        long completedAtMs,
        long entrySinceMs) {

    /** The same result, answering {@code request} (a later attempt the invoker folded onto the call that ran). */
    public InvocationResult answering(InvocationRequest request) {
        return request.attempt() == attempt && request.entrySinceMs() == entrySinceMs ? this
                : new InvocationResult(dedupKey, request.attempt(), success, failureKind, result, resultRef, error,
                        activationId, durationMs, calls, completedAtMs, request.entrySinceMs());
    }
}
