package dev.deja.topology;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deja.event.S3Object;
import java.util.List;

/**
 * One dedup key's entry: the value of the {@code dedup-table} store and of the compacted
 * {@code deja-table} topic (key: dedup key; a tombstone when the entry expires).
 *
 * <p>{@code version} grows by one on every change, so a reader (the CouchDB mirror) can tell a
 * newer entry from an older one. {@code waiting} is the number of uploads parked on the current
 * attempt; they are kept as separate store records, never inside this value, and {@code samples}
 * holds at most {@link #MAX_SAMPLES} objects, so an entry stays small however hot its key.
 *
 * <p>{@code nextWaiter}, {@code releaseEnd} and {@code deadlineMs} are the dedup processor's
 * bookkeeping: waiter sequence numbers below {@code releaseEnd} are being released, and
 * {@code deadlineMs} is when the entry next needs attention (pending timeout, re-invoke, expiry).
 */
public record TableEntry(
        String dedupKey,
        EntryStatus status,
        String action,
        String actionVersion,
        String contentMd5,
        JsonNode params,
        JsonNode result,
        String resultRef,
        String error,
        String failureKind,
        String activationId,
        Long durationMs,
        int attempt,
        long version,
        long firstSeenMs,
        long lastSeenMs,
        Long completedAtMs,
        long hits,
        long waiting,
        long nextWaiter,
        long releaseEnd,
        long deadlineMs,
        List<S3Object> samples) {

    public static final int MAX_SAMPLES = 5;

    /** A copy with the next version number; every change of an entry goes through here. */
    public TableEntry next(EntryStatus newStatus, long nowMs) {
        return new TableEntry(dedupKey, newStatus, action, actionVersion, contentMd5, params, result, resultRef,
                error, failureKind, activationId, durationMs, attempt, version + 1, firstSeenMs, nowMs,
                completedAtMs, hits, waiting, nextWaiter, releaseEnd, deadlineMs, samples);
    }
}
