package dev.deja.topology;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deja.event.S3Object;

/**
 * Value of {@code deja-output} (key: {@code bucket/object}): exactly one per (upload, matched rule).
 * Field names are part of Deja's contract (see the README).
 */
public record OutputRecord(
        S3Object object,
        String rule,
        String contentMd5,
        String action,
        String actionVersion,
        String dedupKey,
        Outcome outcome,
        JsonNode result,
        String resultRef,
        String error,
        String activationId,
        Long durationMs,
        long latencyMs) {
}
