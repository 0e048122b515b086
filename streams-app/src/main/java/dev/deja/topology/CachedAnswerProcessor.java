package dev.deja.topology;

import dev.deja.config.Rule;
import dev.deja.model.DedupInput;
import dev.deja.model.EntryStatus;
import dev.deja.model.Outcome;
import dev.deja.model.OutputRecord;
import dev.deja.model.TableEntry;
import dev.deja.model.Upload;
import dev.deja.topology.redelivery.SeenStore;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Queue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last ingest step, before the repartition by dedup key: {@link IngestProcessor} calls it in place for the uploads
 * it routes (its forwards are the ingest's), and the {@code answer-hashed} node runs it for hashed objects. For every
 * routed upload:
 * <ol>
 *   <li>a redelivered MinIO event (same rule, bucket, key and sequencer, within the redelivery
 *       window) is dropped: it was answered already;</li>
 *   <li>content the table replica holds DONE (and not past its TTL) is answered at once, CACHED,
 *       without crossing the repartition topic: one Kafka hop, like a pass-through;</li>
 *   <li>everything else goes on to the dedup processor, which owns the table.</li>
 * </ol>
 * The replica is a global store of the compacted table topic, so it lags the table by moments:
 * an upload it cannot answer yet goes the long way and is still answered CACHED there. A DONE
 * entry never changes its answer (a new action version is a new key), and one past its TTL is
 * never served, so a stale replica cannot give a wrong answer. The hits served here are sent on
 * to the dedup processor, summed per key, once per {@code hitsPublishIntervalMs}.
 *
 * <p>The replica never answers for an entry that is gone or past its expiry: a tombstone or a
 * re-made entry drops the decoded copy (through {@link ReplicaChanges}), and an entry is served
 * only until {@link #CLOCK_MARGIN_MS} before the expiry its owner published, so that another
 * host's clock running a little behind cannot stretch the TTL; near its end an upload goes the long
 * way and the dedup processor, which owns the entry, decides by its own clock.
 *
 * <p>This runs in the ingest tasks, which follow the input topic's partitions (MinIO keys its
 * records by object), so the redeliveries of an event meet in the same task.
 */
final class CachedAnswerProcessor implements Processor<String, Upload, String, Ingested> {

    private static final Logger LOG = LoggerFactory.getLogger(CachedAnswerProcessor.class);
    /** How far the clocks of two Deja hosts may disagree, at most: a tenth of the TTL when that is shorter. */
    static final long CLOCK_MARGIN_MS = 60_000;
    /**
     * Contents whose hits are held before they are sent on early: about a megabyte per task. Each send
     * is a record per content through the repartition topic, and then the entry stored and published
     * again, so hits are gathered for a whole interval where memory allows.
     */
    static final int MAX_HIT_KEYS = 5_000;

    private final DedupSettings settings;
    private final Map<String, Rule> rules;
    private final boolean replicaEnabled;
    private final TopologyMetrics metrics;
    private final ReplicaChanges changes;
    /** Hits per key since the last send, each a one-slot array: counting allocates nothing. */
    private final Map<String, long[]> hits = new LinkedHashMap<>();
    private Queue<String> changed;
    private long changesSeen;
    private ProcessorContext<String, Ingested> context;
    private KeyValueStore<String, TableEntry> replica;
    private SeenStore seen;
    private LinkedHashMap<String, TableEntry> decoded;

    /**
     * @param rules the rules by name, for the params of an upload that goes on without them (one the ingest routed
     *              in the same call, under the same rules)
     */
    CachedAnswerProcessor(DedupSettings settings, boolean replicaEnabled, ReplicaChanges changes, TopologyMetrics metrics,
            Map<String, Rule> rules) {
        this.settings = settings;
        this.rules = rules;
        this.replicaEnabled = replicaEnabled;
        this.changes = changes;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Ingested> context) {
        this.context = context;
        this.seen = context.getStateStore(DejaTopology.SEEN_STORE);
        loadSeen();
        hits.clear();
        if (replicaEnabled) {
            this.replica = context.getStateStore(DejaTopology.TABLE_REPLICA_STORE);
            this.changed = changes.listen();
            int capacity = settings.entryCacheSize();
            this.decoded = new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, TableEntry> eldest) {
                    return size() > capacity;
                }
            };
            context.schedule(Duration.ofMillis(Math.max(1, settings.hitsPublishIntervalMs())),
                    PunctuationType.WALL_CLOCK_TIME, this::sendHits);
        }
    }

    @Override
    public void process(Record<String, Upload> record) {
        Upload upload = record.value();
        if (isRedelivery(record.key(), upload)) {
            metrics.redelivery();
            LOG.debug("redelivered event {} for {}: already answered", upload.object().eventId(), record.key());
            return;
        }
        long now = context.currentSystemTimeMs();
        TableEntry done = replicaEnabled ? done(record.key(), now) : null;
        if (done == null) {
            context.forward(new Record<>(record.key(), new Ingested.Onward(DedupInput.of(withParams(upload))), record.timestamp()));
            return;
        }
        OutputRecord output = OutputRecord.of(upload, done, Outcome.CACHED, now);
        metrics.answered(output, done.durationMs());
        context.forward(new Record<>(upload.object().path(), new Ingested.Answered(output), now));
        hits.computeIfAbsent(record.key(), key -> new long[1])[0]++;
        if (hits.size() >= MAX_HIT_KEYS) {
            sendHits(now);
        }
    }

    /** The upload with the action's params, built now if the ingest left them out. */
    private Upload withParams(Upload upload) {
        if (upload.params() != null) {
            return upload;
        }
        Rule rule = rules.get(upload.rule());
        if (rule == null) {
            throw new IllegalStateException("no rule " + upload.rule() + " for the params of " + upload.object().path());
        }
        return upload.withParams(IngestProcessor.invocationParams(rule, upload.object()));
    }

    /** The replica's entry for the key if it is DONE and not near its expiry; decoded entries are kept. */
    private TableEntry done(String key, long now) {
        long version = changes.version();
        if (version != changesSeen) {
            changesSeen = version;
            for (String gone = changed.poll(); gone != null; gone = changed.poll()) {
                decoded.remove(gone);
            }
        }
        TableEntry entry = decoded.get(key);
        if (entry == null) {
            entry = changes.decoded(key);
            if (entry == null) {
                long seen = changes.version();
                entry = replica.get(key);
                if (entry == null || entry.status() != EntryStatus.DONE) {
                    return null;
                }
                changes.share(key, entry, seen);
            }
            decoded.put(key, entry);
        }
        Long expiresAt = entry.expiresAtMs();
        if (expiresAt == null && settings.entryTtlMs() >= 0 && entry.completedAtMs() != null) {
            expiresAt = entry.completedAtMs() + settings.entryTtlMs(); // an entry written before expiresAtMs
        }
        if (expiresAt != null) {
            long margin = entry.completedAtMs() == null ? CLOCK_MARGIN_MS
                    : Math.min(CLOCK_MARGIN_MS, Math.max(0, expiresAt - entry.completedAtMs()) / 10);
            if (now >= expiresAt - margin) {
                decoded.remove(key);
                return null;
            }
        }
        return entry;
    }

    @Override
    public void close() {
        if (changed != null) {
            changes.stop(changed);
            changed = null;
        }
    }

    /** Sends the hits served since the last call to the dedup processor, one record per key. */
    private void sendHits(long now) {
        for (Iterator<Map.Entry<String, long[]>> it = hits.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, long[]> hit = it.next();
            it.remove();
            context.forward(new Record<>(hit.getKey(), new Ingested.Onward(DedupInput.hits(hit.getValue()[0])), now));
        }
    }

    /** Whether this upload was answered within the redelivery window; remembers it otherwise. */
    private boolean isRedelivery(String key, Upload upload) {
        if (upload.object().sequencer() == null || settings.redeliveryWindowMs() <= 0) {
            return false;
        }
        return !seen.firstSeen(upload.rule(), upload.object().eventId(), upload.eventTimeMs(), upload.skewedEventTimeMs());
    }

    /** Builds the redelivery filter from what the seen-events store holds (restored before init). */
    private void loadSeen() {
        if (seen.loaded()) {
            return; // by the task's other cached-answer step
        }
        long started = System.nanoTime();
        seen.load();
        if (seen.size() > 0) {
            LOG.info("task {}: {} seen uploads loaded into the redelivery filter in {} ms", context.taskId(), seen.size(),
                    (System.nanoTime() - started) / 1_000_000);
        }
    }
}
