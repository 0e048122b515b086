package dev.deja.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Value of {@code deja-invocations} (key: dedup key): call {@code action} with {@code params}.
 * {@code attempt} grows on each re-invocation after a failure; a request pending too long is sent again
 * under the same attempt. {@code entrySinceMs} is when the table entry asking was created: an entry created
 * again (after its TTL, or a replay that wiped the table) starts its attempts afresh, and the pair
 * ({@code entrySinceMs}, {@code attempt}) names one call.
 */
public record InvocationRequest(
        String dedupKey,
        String action,
        String actionVersion,
        JsonNode params,
        int attempt,
        long requestedAtMs,
        long entrySinceMs) {

    /** Orders two requests of one dedup key: the later entry, then the later attempt, comes after. */
    public static int order(InvocationRequest a, InvocationRequest b) {
        int byEntry = Long.compare(a.entrySinceMs, b.entrySinceMs);
        return byEntry != 0 ? byEntry : Integer.compare(a.attempt, b.attempt);
    }

    /** The call this request names: the same for a request sent again. */
    public String callId() {
        return dedupKey + '#' + entrySinceMs + '#' + attempt;
    }
}
