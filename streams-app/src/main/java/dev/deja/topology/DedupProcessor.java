package dev.deja.topology;

import dev.deja.model.DedupInput;
import dev.deja.model.EntryStatus;
import dev.deja.model.InvocationRequest;
import dev.deja.model.InvocationResult;
import dev.deja.model.Outcome;
import dev.deja.model.OutputRecord;
import dev.deja.model.S3Object;
import dev.deja.model.TableEntry;
import dev.deja.model.Upload;
import dev.deja.model.Waiter;
import dev.deja.topology.store.EntryCache;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dedup rule. Keyed by dedup key, it keeps one {@link TableEntry} per key and decides, for
 * every upload, whether to call the action:
 * <ul>
 *   <li>absent: write PENDING, emit one invocation request, park the upload as a waiter;</li>
 *   <li>PENDING: park the upload (coalesced: never a second request);</li>
 *   <li>DONE: answer at once with the kept result (CACHED);</li>
 *   <li>FAILED: a failure is not an answer: invoke again once the cool-down has passed (the
 *       upload waits for that call).</li>
 * </ul>
 * A result makes the entry DONE or FAILED and releases every waiter of the attempt with one output
 * record each (INVOKED for the upload that caused the call, COALESCED for the others, FAILED on
 * failure); a result settles only the attempt it answers. Timers send a request pending too long again (same
 * attempt: the invoker never makes a second call for it), re-invoke after the cool-down, and expire
 * finished entries after the TTL (a tombstone in the table topic). Uploads reach it through
 * {@link CachedAnswerProcessor}, which drops MinIO's redeliveries and answers most cache hits from
 * the table replica before they get here; it sends their hit counts on.
 *
 * <p>No value grows with traffic: waiters are separate store records ({@code dedupKey NUL seq}),
 * released at most {@code releaseBatch} at a time; timers live in their own store ordered by
 * due time, so each punctuation touches at most {@code punctuateMaxItems} of them.
 *
 * <p>Entries are read through an {@link EntryCache}: a cache hit decodes no JSON, and changes that
 * are only hit counts reach the store and the table topic once per {@code hitsPublishIntervalMs}.
 */
final class DedupProcessor implements Processor<String, DedupInput, String, DedupOutput> {

    private static final Logger LOG = LoggerFactory.getLogger(DedupProcessor.class);
    private static final char SEP = '\u0000';

    private final DedupSettings settings;
    private final TopologyMetrics metrics;
    private final Set<String> unpublished = new LinkedHashSet<>();
    private ProcessorContext<String, DedupOutput> context;
    private EntryCache table;
    private KeyValueStore<String, Waiter> waiters;
    private KeyValueStore<String, String> timers;
    private Pacer pacer;
    private long lastHitsPublishMs;
    /** Entries the current round of hit publishing has yet to publish; 0 between rounds. */
    private int hitsRoundLeft;

    DedupProcessor(DedupSettings settings, TopologyMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, DedupOutput> context) {
        unpublished.clear();
        lastHitsPublishMs = 0;
        hitsRoundLeft = 0;
        this.context = context;
        KeyValueStore<String, TableEntry> store = context.getStateStore(DejaTopology.TABLE_STORE);
        this.table = new EntryCache(store, settings.entryCacheSize());
        this.waiters = context.getStateStore(DejaTopology.WAITERS_STORE);
        this.timers = context.getStateStore(DejaTopology.TIMERS_STORE);
        this.pacer = new Pacer(context, Duration.ofMillis(settings.punctuateIntervalMs()), this::punctuate);
    }

    @Override
    public void process(Record<String, DedupInput> record) {
        long now = context.currentSystemTimeMs();
        DedupInput input = record.value();
        if (input == null) {
            return;
        }
        pacer.busy();
        if (input.upload() != null) {
            onUpload(record.key(), input.upload(), now);
        } else if (input.result() != null) {
            onResult(record.key(), input.result(), now);
        } else if (input.hits() != null) {
            onHits(record.key(), input.hits(), now);
        }
    }

    private void onUpload(String key, Upload upload, long now) {
        TableEntry entry = table.get(key);
        if (entry != null && expiredBefore(entry, now)) {
            // Past its TTL but its timer has not fired yet (a busy punctuation): never served.
            expire(key, now);
            entry = null;
        }
        if (entry == null) {
            TableEntry.Builder fresh = TableEntry.builder()
                    .dedupKey(key).action(upload.action()).actionVersion(upload.actionVersion())
                    .contentMd5(upload.contentMd5()).params(upload.params())
                    .firstSeenMs(now).samples(List.of(upload.object()));
            long seq = park(fresh, key, upload, now);
            issue(fresh.invokerWaiter(seq), key, now);
            save(key, null, fresh, now, Save.PUBLISH);
            return;
        }
        TableEntry.Builder next = entry.toBuilder().samples(withSample(entry.samples(), upload.object()));
        switch (entry.status()) {
            case PENDING -> {
                park(next, key, upload, now);
                next.hits(entry.hits() + 1);
                save(key, entry, next, now, Save.STORE);
            }
            case DONE -> {
                next.hits(entry.hits() + 1);
                emitOutput(upload, entry, Outcome.CACHED, now);
                save(key, entry, next, now, Save.LATER);
            }
            case FAILED -> {
                // The next call reads the newest upload's object: the one that failed may be gone or changed since.
                next.params(upload.params());
                long seq = park(next, key, upload, now);
                boolean releasing = entry.releaseEnd() > 0;
                if (!releasing && now >= cooldownEnd(entry)) {
                    issue(next.invokerWaiter(seq), key, now);
                    save(key, entry, next, now, Save.PUBLISH);
                } else {
                    // The first upload parked after a failure causes the next call (the failed
                    // call's own invoker may still be among the waiters being released).
                    boolean noInvokerYet = entry.invokerWaiter() < 0 || (releasing && entry.invokerWaiter() < entry.releaseEnd());
                    if (noInvokerYet) {
                        next.invokerWaiter(seq);
                    }
                    save(key, entry, next, now, Save.STORE);
                }
            }
        }
    }

    /** Uploads the cached-answer step answered from the table replica: counted like the hits answered here. */
    private void onHits(String key, long hits, long now) {
        TableEntry entry = table.get(key);
        if (entry == null) {
            LOG.debug("{} hits for {} with no entry (expired): not counted", hits, key);
            return;
        }
        save(key, entry, entry.toBuilder().hits(entry.hits() + hits), now, Save.LATER);
    }

    private void onResult(String key, InvocationResult result, long now) {
        TableEntry entry = table.get(key);
        if (entry == null) {
            LOG.debug("result for {} with no entry (expired): ignored", key);
            return;
        }
        if (entry.status() != EntryStatus.PENDING || result.attempt() != entry.attempt()
                || result.entrySinceMs() != entry.firstSeenMs()) {
            // A result settles only the attempt it answers: a stale attempt's never settles a newer one.
            LOG.debug("result of attempt {} for {} ({}, attempt {}): ignored", result.attempt(), key, entry.status(),
                    entry.attempt());
            return;
        }
        TableEntry.Builder next = entry.toBuilder()
                .status(result.success() ? EntryStatus.DONE : EntryStatus.FAILED)
                .result(result.success() ? result.result() : null)
                .resultRef(result.success() ? result.resultRef() : null)
                .error(result.success() ? null : result.error())
                .failureKind(result.success() ? null : result.failureKind())
                .activationId(result.activationId())
                .durationMs(result.durationMs())
                .completedAtMs(now)
                .releaseEnd(entry.nextWaiter());
        releaseWaiters(next, key, now);
        save(key, entry, next, now, Save.PUBLISH);
    }

    /** Parks an upload as the entry's next waiter; returns its sequence number. */
    private long park(TableEntry.Builder entry, String key, Upload upload, long now) {
        TableEntry snapshot = entry.build();
        long seq = snapshot.nextWaiter();
        waiters.put(waiterKey(key, seq), new Waiter(upload, now));
        entry.nextWaiter(seq + 1).waiting(snapshot.waiting() + 1);
        return seq;
    }

    /** Makes the entry PENDING on a new attempt, emits its invocation request and arms the pending timeout. */
    private void issue(TableEntry.Builder entry, String key, long now) {
        TableEntry snapshot = entry.build();
        int attempt = snapshot.attempt() + 1;
        entry.status(EntryStatus.PENDING).attempt(attempt).error(null).failureKind(null)
                .deadlineMs(now + settings.pendingTimeoutMs());
        metrics.invocationRequested();
        sendRequest(snapshot, key, attempt, now);
    }

    /**
     * Sends a PENDING entry's request again under the same attempt (a lost request, or an invoker down for long):
     * the invoker answers a re-sent attempt from the call it made, never with a second one.
     */
    private void resend(TableEntry.Builder entry, String key, long now) {
        TableEntry snapshot = entry.build();
        entry.deadlineMs(now + settings.pendingTimeoutMs());
        sendRequest(snapshot, key, snapshot.attempt(), now);
    }

    /** Emits the invocation request of {@code entry}'s {@code attempt}. */
    private void sendRequest(TableEntry entry, String key, int attempt, long now) {
        InvocationRequest request = new InvocationRequest(key, entry.action(), entry.actionVersion(), entry.params(),
                attempt, now, entry.firstSeenMs());
        context.forward(new Record<>(key, new DedupOutput.Invoke(request), now));
    }

    /**
     * Releases up to {@code releaseBatch} waiters numbered below the entry's {@code releaseEnd}
     * with the entry's outcome, one output record each; when more remain, {@code releaseEnd}
     * stays set and the entry's timer is due at once.
     */
    private void releaseWaiters(TableEntry.Builder next, String key, long now) {
        TableEntry entry = next.build();
        int released = 0;
        boolean more = false;
        List<String> done = new ArrayList<>();
        try (KeyValueIterator<String, Waiter> it = waiters.range(waiterKey(key, 0), waiterKey(key, entry.releaseEnd() - 1))) {
            while (it.hasNext()) {
                if (released == settings.releaseBatch()) {
                    more = true;
                    break;
                }
                KeyValue<String, Waiter> waiter = it.next();
                long seq = Long.parseUnsignedLong(waiter.key.substring(waiter.key.lastIndexOf(SEP) + 1), 16);
                Outcome outcome = entry.status() == EntryStatus.FAILED ? Outcome.FAILED
                        : seq == entry.invokerWaiter() ? Outcome.INVOKED : Outcome.COALESCED;
                emitOutput(waiter.value.upload(), entry, outcome, now);
                done.add(waiter.key);
                released++;
            }
        }
        done.forEach(waiters::delete);
        next.waiting(Math.max(0, entry.waiting() - released));
        if (!more) {
            next.releaseEnd(0);
            if (entry.invokerWaiter() < entry.releaseEnd()) {
                next.invokerWaiter(-1);
            }
        }
    }

    private void emitOutput(Upload upload, TableEntry entry, Outcome outcome, long now) {
        OutputRecord output = OutputRecord.of(upload, entry, outcome, now);
        metrics.answered(output, entry.durationMs());
        context.forward(new Record<>(upload.object().path(), new DedupOutput.Output(output), now));
    }

    /** How a changed entry reaches the store and the table topic. */
    private enum Save {
        /** Store and publish now: the entry's state changed. */
        PUBLISH,
        /** Store now (a waiter was parked), publish with the hit counts. */
        STORE,
        /** Only statistics changed (a cache hit): store and publish with the hit counts. */
        LATER
    }

    /**
     * Bumps an entry's version, moves its timer to the new deadline, and stores and publishes it as
     * {@code how} says. A change that moves the timer is stored at once, whatever {@code how} says:
     * the timers store and the stored entry must agree after any commit, or a crash could leave
     * parked uploads with a timer their entry does not know.
     */
    private void save(String key, TableEntry before, TableEntry.Builder next, long now, Save how) {
        TableEntry draft = next.version(before == null ? firstVersion(now) : before.version() + 1).lastSeenMs(now).build();
        long deadline = deadline(draft, now);
        TableEntry entry = draft.toBuilder().deadlineMs(deadline).expiresAtMs(expiresAt(draft)).build();
        if (how == Save.LATER && (before == null || before.deadlineMs() != deadline)) {
            how = Save.STORE;
        }
        if (before != null && before.deadlineMs() != deadline && before.deadlineMs() != Long.MAX_VALUE) {
            timers.delete(timerKey(before.deadlineMs(), key));
        }
        if (deadline != Long.MAX_VALUE && (before == null || before.deadlineMs() != deadline)) {
            timers.put(timerKey(deadline, key), key);
        }
        if (how == Save.LATER) {
            table.putLater(key, entry);
        } else {
            table.put(key, entry);
        }
        if (how == Save.PUBLISH) {
            unpublished.remove(key);
            context.forward(new Record<>(key, new DedupOutput.Table(entry), now));
        } else {
            unpublished.add(key);
        }
    }

    /**
     * A new entry's version: its creation time scaled by 1,000, so that an entry created again after
     * it expired still outranks every version of the one before (up to 1,000 changes per millisecond
     * of the old entry's life).
     */
    static long firstVersion(long now) {
        return now * 1_000;
    }

    /** When an entry next needs attention. */
    private long deadline(TableEntry entry, long now) {
        if (entry.releaseEnd() > 0) {
            return now;
        }
        return switch (entry.status()) {
            case PENDING -> entry.deadlineMs();
            case FAILED -> entry.waiting() > 0 ? cooldownEnd(entry) : expiry(entry);
            case DONE -> expiry(entry);
        };
    }

    private long cooldownEnd(TableEntry entry) {
        return entry.completedAtMs() == null ? 0 : entry.completedAtMs() + settings.failureCooldownMs();
    }

    private long expiry(TableEntry entry) {
        if (settings.entryTtlMs() < 0 || entry.completedAtMs() == null) {
            return Long.MAX_VALUE;
        }
        return entry.completedAtMs() + settings.entryTtlMs();
    }

    /** The entry's expiry as the table publishes it: null while it never expires. */
    private Long expiresAt(TableEntry entry) {
        long expiry = entry.status() == EntryStatus.PENDING ? Long.MAX_VALUE : expiry(entry);
        return expiry == Long.MAX_VALUE ? null : expiry;
    }

    /** A finished entry nobody waits on, past its TTL. */
    private boolean expiredBefore(TableEntry entry, long now) {
        return entry.status() != EntryStatus.PENDING && entry.releaseEnd() == 0 && entry.waiting() == 0 && now >= expiry(entry);
    }

    /**
     * Fires due timers (bounded), then, once per hits-publish interval, stores and publishes entries whose hit counts
     * changed; true when there was any of either (the {@link Pacer} slows down while there is none).
     */
    private boolean punctuate(long now) {
        List<KeyValue<String, String>> due = new ArrayList<>();
        try (KeyValueIterator<String, String> it = timers.range(deadlinePrefix(0), deadlinePrefix(now + 1))) {
            while (it.hasNext() && due.size() < settings.punctuateMaxItems()) {
                due.add(it.next());
            }
        }
        for (KeyValue<String, String> timer : due) {
            timers.delete(timer.key);
            onEntryTimer(timer.value, Long.parseLong(timer.key.substring(0, 19)), now);
        }
        // A round publishes the entries changed before it began (the oldest first: a set in insertion order), a bounded
        // number per punctuation; it begins once per interval, so an entry hit all the time is published once per interval.
        if (hitsRoundLeft == 0) {
            if (now - lastHitsPublishMs < settings.hitsPublishIntervalMs()) {
                return !due.isEmpty();
            }
            lastHitsPublishMs = now;
            hitsRoundLeft = unpublished.size();
        }
        int published = 0;
        for (Iterator<String> it = unpublished.iterator(); it.hasNext() && published < settings.punctuateMaxItems()
                && hitsRoundLeft > 0; published++, hitsRoundLeft--) {
            String key = it.next();
            it.remove();
            TableEntry entry = table.get(key);
            if (entry != null) {
                table.save(key);
                context.forward(new Record<>(key, new DedupOutput.Table(entry), now));
            }
        }
        if (unpublished.isEmpty()) {
            hitsRoundLeft = 0;
        }
        return !due.isEmpty() || published > 0;
    }

    private void onEntryTimer(String key, long deadline, long now) {
        TableEntry entry = table.get(key);
        if (entry == null || entry.deadlineMs() != deadline) {
            return;
        }
        // The timer that fired is gone: what is saved now arms the next one.
        TableEntry before = entry.toBuilder().deadlineMs(Long.MAX_VALUE).build();
        TableEntry.Builder next = before.toBuilder();
        if (entry.releaseEnd() > 0) {
            releaseWaiters(next, key, now);
            save(key, before, next, now, Save.PUBLISH);
            return;
        }
        switch (entry.status()) {
            case PENDING -> {
                LOG.info("{} pending for {} ms (attempt {}): sending the request again", key,
                        settings.pendingTimeoutMs(), entry.attempt());
                resend(next, key, now);
                save(key, before, next, now, Save.PUBLISH);
            }
            case FAILED -> {
                if (entry.waiting() > 0) {
                    issue(next, key, now);
                    save(key, before, next, now, Save.PUBLISH);
                } else {
                    expire(key, now);
                }
            }
            case DONE -> expire(key, now);
        }
    }

    private void expire(String key, long now) {
        table.delete(key);
        unpublished.remove(key);
        context.forward(new Record<>(key, new DedupOutput.Table(null), now));
        LOG.debug("{} expired after {} ms", key, settings.entryTtlMs());
    }

    private static List<S3Object> withSample(List<S3Object> samples, S3Object object) {
        if (samples.size() >= TableEntry.MAX_SAMPLES || samples.contains(object)) {
            return samples;
        }
        List<S3Object> more = new ArrayList<>(samples);
        more.add(object);
        return List.copyOf(more);
    }

    static String waiterKey(String dedupKey, long seq) {
        return dedupKey + SEP + String.format("%016x", seq);
    }

    /** Timers sort by due time: {@code deadline NUL dedupKey}, the deadline zero-padded. */
    static String timerKey(long deadline, String dedupKey) {
        return deadlinePrefix(deadline) + SEP + dedupKey;
    }

    /** {@code String.format("%019d", deadline)} without the formatter: every punctuation builds two. */
    static String deadlinePrefix(long deadline) {
        if (deadline < 0) {
            return String.format("%019d", deadline);
        }
        String digits = Long.toString(deadline);
        return "0".repeat(19 - digits.length()) + digits;
    }
}
