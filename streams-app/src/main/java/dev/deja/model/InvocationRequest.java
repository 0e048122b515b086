package dev.deja.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Value of {@code deja-invocations} (key: dedup key): call {@code action} with {@code params}.
 * {@code attempt} grows on each re-issue (pending timeout, re-invoke after a failure).
 */
public record InvocationRequest(
        String dedupKey,
        String action,
        String actionVersion,
        JsonNode params,
        int attempt,
        long requestedAtMs) {
}
