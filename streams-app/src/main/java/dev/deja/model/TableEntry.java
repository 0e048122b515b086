package dev.deja.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One dedup key's entry: the value of the {@code dedup-table} store and of the compacted
 * {@code deja-table} topic (key: dedup key; a tombstone when the entry expires).
 *
 * <p>{@code version} starts at the entry's creation time (epoch ms x 1,000) and grows by one on
 * every change, so a reader (the CouchDB mirror) can tell a newer entry from an older one, even
 * across an expiry and re-creation. {@code hits} counts uploads served without a call of their own
 * (coalesced or cached). {@code waiting} is the number of uploads parked on the entry; they are
 * kept as separate store records, never inside this value, and {@code samples} holds at most
 * {@link #MAX_SAMPLES} objects, so an entry stays small however hot its key.
 *
 * <p>The last fields are the dedup processor's bookkeeping: waiters are numbered from 0
 * ({@code nextWaiter} is the next number), those numbered below {@code releaseEnd} are being
 * released, {@code invokerWaiter} is the waiter whose upload caused the current call (-1: none),
 * and {@code deadlineMs} is when the entry next needs attention (pending timeout, re-invoke after
 * the failure cool-down, expiry; {@link Long#MAX_VALUE}: never).
 *
 * <p>{@code expiresAtMs} is when a finished entry expires, by the clock and TTL of the dedup
 * processor that owns it (null: never, or an entry written before the field existed). Readers of
 * the table on other hosts (the replica) go by it, never by their own TTL setting.
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
        long invokerWaiter,
        long deadlineMs,
        List<S3Object> samples,
        Long expiresAtMs) {

    public static final int MAX_SAMPLES = 5;

    public Builder toBuilder() {
        Builder b = new Builder();
            b.dedupKey = dedupKey;
            b.status = status;
            b.action = action;
            b.actionVersion = actionVersion;
            b.contentMd5 = contentMd5;
            b.params = params;
            b.result = result;
            b.resultRef = resultRef;
            b.error = error;
            b.failureKind = failureKind;
            b.activationId = activationId;
            b.durationMs = durationMs;
            b.attempt = attempt;
            b.version = version;
            b.firstSeenMs = firstSeenMs;
            b.lastSeenMs = lastSeenMs;
            b.completedAtMs = completedAtMs;
            b.hits = hits;
            b.waiting = waiting;
            b.nextWaiter = nextWaiter;
            b.releaseEnd = releaseEnd;
            b.invokerWaiter = invokerWaiter;
            b.deadlineMs = deadlineMs;
            b.samples = samples;
            b.expiresAtMs = expiresAtMs;
        return b;
    }

    public static Builder builder() {
        return new Builder().samples(List.of()).invokerWaiter(-1).deadlineMs(Long.MAX_VALUE);
    }

    /** Mutable copy of an entry, for the dedup processor's changes. */
    public static final class Builder {
        private String dedupKey;
        private EntryStatus status;
        private String action;
        private String actionVersion;
        private String contentMd5;
        private JsonNode params;
        private JsonNode result;
        private String resultRef;
        private String error;
        private String failureKind;
        private String activationId;
        private Long durationMs;
        private int attempt;
        private long version;
        private long firstSeenMs;
        private long lastSeenMs;
        private Long completedAtMs;
        private long hits;
        private long waiting;
        private long nextWaiter;
        private long releaseEnd;
        private long invokerWaiter;
        private long deadlineMs;
        private List<S3Object> samples;
        private Long expiresAtMs;

        private Builder() {
        }

        public Builder dedupKey(String value) {
            this.dedupKey = value;
            return this;
        }

        public Builder status(EntryStatus value) {
            this.status = value;
            return this;
        }

        public Builder action(String value) {
            this.action = value;
            return this;
        }

        public Builder actionVersion(String value) {
            this.actionVersion = value;
            return this;
        }

        public Builder contentMd5(String value) {
            this.contentMd5 = value;
            return this;
        }

        public Builder params(JsonNode value) {
            this.params = value;
            return this;
        }

        public Builder result(JsonNode value) {
            this.result = value;
            return this;
        }

        public Builder resultRef(String value) {
            this.resultRef = value;
            return this;
        }

        public Builder error(String value) {
            this.error = value;
            return this;
        }

        public Builder failureKind(String value) {
            this.failureKind = value;
            return this;
        }

        public Builder activationId(String value) {
            this.activationId = value;
            return this;
        }

        public Builder durationMs(Long value) {
            this.durationMs = value;
            return this;
        }

        public Builder attempt(int value) {
            this.attempt = value;
            return this;
        }

        public Builder version(long value) {
            this.version = value;
            return this;
        }

        public Builder firstSeenMs(long value) {
            this.firstSeenMs = value;
            return this;
        }

        public Builder lastSeenMs(long value) {
            this.lastSeenMs = value;
            return this;
        }

        public Builder completedAtMs(Long value) {
            this.completedAtMs = value;
            return this;
        }

        public Builder hits(long value) {
            this.hits = value;
            return this;
        }

        public Builder waiting(long value) {
            this.waiting = value;
            return this;
        }

        public Builder nextWaiter(long value) {
            this.nextWaiter = value;
            return this;
        }

        public Builder releaseEnd(long value) {
            this.releaseEnd = value;
            return this;
        }

        public Builder invokerWaiter(long value) {
            this.invokerWaiter = value;
            return this;
        }

        public Builder deadlineMs(long value) {
            this.deadlineMs = value;
            return this;
        }

        public Builder samples(List<S3Object> value) {
            this.samples = value;
            return this;
        }

        public Builder expiresAtMs(Long value) {
            this.expiresAtMs = value;
            return this;
        }

        public EntryStatus status() {
            return status;
        }

        public TableEntry build() {
            return new TableEntry(dedupKey, status, action, actionVersion, contentMd5, params, result, resultRef, error, failureKind, activationId, durationMs, attempt, version, firstSeenMs, lastSeenMs, completedAtMs, hits, waiting, nextWaiter, releaseEnd, invokerWaiter, deadlineMs, samples, expiresAtMs);
        }
    }
}
