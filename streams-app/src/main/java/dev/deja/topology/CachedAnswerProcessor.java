package dev.deja.topology;

import dev.deja.ops.DejaMetrics;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last ingest step, before the repartition by dedup key. For every routed upload:
 * <ol>
 *   <li>a redelivered MinIO event (same bucket, key, sequencer and event time, within the
 *       redelivery window) is dropped: it was answered already;</li>
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
 * <p>This runs in the ingest tasks, which follow the input topic's partitions (MinIO keys its
 * records by object), so the redeliveries of an event meet in the same task.
 */
final class CachedAnswerProcessor implements Processor<String, Upload, String, DedupOutput> {

    private static final Logger LOG = LoggerFactory.getLogger(CachedAnswerProcessor.class);
    private static final char SEP = '\u0000';
    private static final int TIME_DIGITS = 12;

    private final DedupSettings settings;
    private final boolean replicaEnabled;
    private final DejaMetrics metrics;
    private final Map<String, Long> hits = new LinkedHashMap<>();
    private ProcessorContext<String, DedupOutput> context;
    private KeyValueStore<String, TableEntry> replica;
    private WindowStore<String, Long> seen;
    private SeenFilter seenFilter;
    private boolean legacyIds;
    private LinkedHashMap<String, TableEntry> decoded;

    CachedAnswerProcessor(DedupSettings settings, boolean replicaEnabled, DejaMetrics metrics) {
        this.settings = settings;
        this.replicaEnabled = replicaEnabled;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, DedupOutput> context) {
        this.context = context;
        this.seen = context.getStateStore(DejaTopology.SEEN_STORE);
        this.seenFilter = loadSeenFilter();
        hits.clear();
        if (replicaEnabled) {
            this.replica = context.getStateStore(DejaTopology.TABLE_REPLICA_STORE);
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
            context.forward(record.withValue(new DedupOutput.Onward(DedupInput.of(upload))));
            return;
        }
        OutputRecord output = OutputRecord.of(upload, done, Outcome.CACHED, now);
        metrics.answered(Outcome.CACHED, output.latencyMs(), done.durationMs());
        context.forward(new Record<>(upload.object().path(), new DedupOutput.Output(output), now));
        hits.merge(record.key(), 1L, Long::sum);
        if (hits.size() >= settings.punctuateMaxItems()) {
            sendHits(now);
        }
    }

    /** The replica's entry for the key if it is DONE and not past its TTL; decoded entries are kept. */
    private TableEntry done(String key, long now) {
        TableEntry entry = decoded.get(key);
        if (entry == null) {
            entry = replica.get(key);
            if (entry == null || entry.status() != EntryStatus.DONE) {
                return null;
            }
            decoded.put(key, entry);
        }
        if (settings.entryTtlMs() >= 0 && entry.completedAtMs() != null
                && now >= entry.completedAtMs() + settings.entryTtlMs()) {
            decoded.remove(key);
            return null;
        }
        return entry;
    }

    /** Sends the hits served since the last call to the dedup processor, one record per key. */
    private void sendHits(long now) {
        for (Iterator<Map.Entry<String, Long>> it = hits.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Long> hit = it.next();
            it.remove();
            context.forward(new Record<>(hit.getKey(), new DedupOutput.Onward(DedupInput.hits(hit.getValue())), now));
        }
    }

    /**
     * Whether this event id was handled within the redelivery window; remembers it otherwise.
     * Ids are stored at the event's own time (from its payload, the same in every delivery), so the
     * check is one point lookup, made only when the in-memory {@link SeenFilter} says the id may be
     * there; the window store drops old ids by itself, segment by segment.
     */
    private boolean isRedelivery(String key, Upload upload) {
        if (upload.object().sequencer() == null || settings.redeliveryWindowMs() <= 0) {
            return false;
        }
        long time = upload.eventTimeMs();
        String eventId = upload.object().eventId();
        String seenKey = seenKey(time, key, eventId);
        long hash = SeenFilter.hash(seenKey);
        if (stored(seenKey, hash, time) || legacyIds && stored(key + SEP + eventId, time)) {
            return true;
        }
        seen.put(seenKey, time, time);
        seenFilter.add(hash, time);
        return false;
    }

    private boolean stored(String seenKey, long time) {
        return stored(seenKey, SeenFilter.hash(seenKey), time);
    }

    /**
     * Whether the store holds {@code seenKey} at {@code time}; the store is asked only when the filter
     * says it may. {@code hash} is the key's {@link SeenFilter#hash}.
     */
    private boolean stored(String seenKey, long hash, long time) {
        return seenFilter.mightContain(hash, time) && seen.fetch(seenKey, time) != null;
    }

    /**
     * The seen-events store's key for an event id: its event time first (12 hex digits), then the
     * dedup key and the event id. Ids then reach RocksDB nearly in key order, and its memtable
     * inserts each beside the one before: with the dedup key first (a content MD5, in no order),
     * every insert searched the whole memtable, a tenth of the cache-hit path's time.
     */
    static String seenKey(long eventTimeMs, String dedupKey, String eventId) {
        StringBuilder id = new StringBuilder(TIME_DIGITS + 2 + dedupKey.length() + eventId.length());
        for (int shift = 4 * (TIME_DIGITS - 1); shift >= 0; shift -= 4) {
            id.append(Character.forDigit((int) (eventTimeMs >>> shift) & 0xf, 16));
        }
        return id.append(SEP).append(dedupKey).append(SEP).append(eventId).toString();
    }

    /** Whether a stored id has the time-first form of {@link #seenKey} (else the earlier dedup-key-first form). */
    static boolean isTimeFirst(String seenKey) {
        if (seenKey.length() <= TIME_DIGITS || seenKey.charAt(TIME_DIGITS) != SEP) {
            return false;
        }
        for (int i = 0; i < TIME_DIGITS; i++) {
            if (Character.digit(seenKey.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /** The filter in front of the seen-events store, built from what the store holds (restored before init). */
    private SeenFilter loadSeenFilter() {
        SeenFilter filter = new SeenFilter(settings.redeliveryWindowMs());
        long started = System.nanoTime();
        long legacy = 0;
        try (KeyValueIterator<Windowed<String>, Long> all = seen.all()) {
            while (all.hasNext()) {
                Windowed<String> id = all.next().key;
                filter.add(id.key(), id.window().start());
                if (!isTimeFirst(id.key())) {
                    legacy++;
                }
            }
        }
        legacyIds = legacy > 0;
        if (filter.size() > 0) {
            LOG.info("task {}: {} seen event ids loaded into the redelivery filter in {} ms", context.taskId(),
                    filter.size(), (System.nanoTime() - started) / 1_000_000);
        }
        if (legacyIds) {
            LOG.info("task {}: {} seen event ids have the dedup-key-first form of earlier versions; redeliveries"
                    + " are checked against that form too, until the task starts with none left", context.taskId(), legacy);
        }
        return filter;
    }
}
