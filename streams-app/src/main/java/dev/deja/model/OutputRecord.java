package dev.deja.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Value of {@code deja-output} (key: {@code bucket/object}): exactly one per (upload, matched rule).
 * Field names are part of Deja's contract (see {@code docs/records.md}).
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

    /** The output for an upload answered with an entry's result ({@code FAILED}: with its error instead). */
    public static OutputRecord of(Upload upload, TableEntry entry, Outcome outcome, long now) {
        boolean failed = outcome == Outcome.FAILED;
        return new OutputRecord(upload.object(), upload.rule(), upload.contentMd5(), entry.action(),
                entry.actionVersion(), entry.dedupKey(), outcome,
                failed ? null : entry.result(), failed ? null : entry.resultRef(),
                failed ? entry.error() : null, entry.activationId(), entry.durationMs(),
                Math.max(0, now - upload.eventTimeMs()));
    }
}
