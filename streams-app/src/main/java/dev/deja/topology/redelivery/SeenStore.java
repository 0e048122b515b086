package dev.deja.topology.redelivery;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * The {@code dedup-seen-events} store: the uploads an ingest task has answered within the
 * redelivery window, so that MinIO's redelivery of an event is dropped instead of answered twice.
 * An upload is identified by the rule it matched and its MinIO event id ({@code
 * bucket/object@sequencer}): both are the same in every delivery, whatever happened to the action's
 * version or the rule's parameters in between, and two rules that match one event are two uploads.
 * Kept in a RocksDB window store, changelogged, with a {@link SeenFilter} in memory that answers
 * "never seen" for almost every new upload without reading RocksDB.
 *
 * <p><b>Fingerprints.</b> An upload is stored as the first 128 bits of the SHA-256 of its id
 * ({@code rule NUL eventId}, UTF-8): 16 bytes instead of the id's hundred or more. Two uploads
 * are taken for one only if those bits agree: by chance, about as likely as guessing a 128-bit key,
 * and not something an uploader can arrange (a collision takes some 2^64 tries even with the whole
 * id in hand, and MinIO sets the sequencer). The first 64 bits are the filter's hash.
 *
 * <p><b>Chunks.</b> Uploads are written a chunk at a time, not one entry each: a chunk gathers up
 * to {@link #CHUNK_IDS} uploads of one event-time second and one of {@link #BUCKETS} hash buckets.
 * A full chunk is written at once; the others when the task commits. Kafka Streams flushes a
 * store's cache before it commits (this store's chunks being filled are its cache: it implements
 * Streams' {@code CachedStateStore} for that), so every chunk is in the transaction of the outputs
 * it covers, and a crash loses both or neither; writing earlier is always safe. ({@code
 * CachedStateStore} is internal to Kafka Streams; {@code DedupTopologyTest} fails if a new version
 * stops calling it before the commit.) Under load that
 * is one RocksDB write and one changelog record per chunk instead of per upload, and a seventh of
 * the bytes. A lookup, made only when the filter says "maybe", reads the chunks of one second and
 * bucket.
 *
 * <p><b>Event times that cannot be trusted.</b> The window store's time is the largest time put
 * into it: one event stamped {@code 9999-12-31} would expire every segment, and with them the
 * memory of every other upload. So an upload whose event time the caller found out of band (far
 * from the Kafka record's time, or ahead of the clock), or older than half a window behind the
 * store's time, is kept apart: in the <i>skew space</i>, at the store's current time, where it
 * stays for a whole window and moves nothing. A lookup reads the upload's second in the normal
 * space and the skew space of its bucket over the window (the skew filter says "never" first, so
 * only a redelivery or a rare false positive reads it). A redelivery is found whichever space its
 * first delivery went to.
 *
 * <p><b>Layout.</b> Chunk key: {@code <12 hex digits of the second's first ms>.<bucket, 2 hex>.<task
 * start, 16 hex>.<counter, hex>}, stored at the second's first ms, so the window store drops it with
 * its segment; in the skew space {@code s.<bucket, 2 hex>.<12 hex digits of the second>.<task start>.<counter>},
 * at that second. Value: the uploads' fingerprints, 16 bytes each.
 *
 * <p>Chunks written before the fingerprint was {@code rule NUL eventId} (it was {@code dedupKey NUL
 * eventId}) never match: a redelivery of an event delivered before the upgrade, arriving within the
 * window after it, is answered again (from the table: no second call).
 */
public final class SeenStore implements StateStore, CachedStateStore<String, byte[]> {

    static final int BUCKETS = 64;
    static final int CHUNK_IDS = 32;
    /** Uploads held in chunks not yet written before they are all written: bounds the memory between commits. */
    static final int MAX_OPEN_IDS = 1 << 16;
    private static final char SEP = '\u0000';
    private static final String SKEW = "s.";
    private static final int TIME_DIGITS = 12;
    private static final int FINGERPRINT = 2 * Long.BYTES;
    private static final HexFormat HEX = HexFormat.of();
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final WindowStore<String, byte[]> store;
    private final long windowMs;
    private final Map<Long, Chunk> open = new HashMap<>();
    private final Map<Long, Chunk> openSkewed = new HashMap<>();
    private final MessageDigest sha256 = sha256();
    private SeenFilter filter;
    private SeenFilter skewFilter;
    /** The largest time put into the store (its stream time); {@link Long#MIN_VALUE} while empty. */
    private long latest = Long.MIN_VALUE;
    private String taskStart;
    private long chunks;
    private int openIds;

    private SeenStore(WindowStore<String, byte[]> store, long windowMs) {
        this.store = store;
        this.windowMs = windowMs;
    }

    /**
     * The store's builder: a RocksDB window store kept for {@code window}, changelogged like Kafka
     * Streams changelogs its window stores (compacted, and deleted a day after the window).
     */
    public static StoreBuilder<SeenStore> builder(String name, Duration window) {
        StoreBuilder<WindowStore<String, byte[]>> inner = Stores.windowStoreBuilder(
                        Stores.persistentWindowStore(name, window, Duration.ofMillis(1), false), Serdes.String(), Serdes.ByteArray())
                .withLoggingEnabled(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE,
                        TopicConfig.RETENTION_MS_CONFIG, String.valueOf(window.plus(Duration.ofDays(1)).toMillis())));
        return new Builder(inner, window.toMillis());
    }

    /** Wraps a window store built elsewhere (tests build one without a changelog). */
    public static SeenStore over(WindowStore<String, byte[]> store, Duration window) {
        return new SeenStore(store, window.toMillis());
    }

    // ---- the redelivery check

    /**
     * True the first time an upload is seen within the window, and remembers it; false for a
     * redelivery.
     *
     * @param rule the rule the upload matched
     * @param eventId the MinIO event id ({@code bucket/object@sequencer})
     * @param eventTimeMs the upload's time: its event time when that is trusted, else the Kafka record's time
     * @param skewedEventTimeMs the event time from the payload when it was not trusted (out of band); null otherwise
     */
    public boolean firstSeen(String rule, String eventId, long eventTimeMs, Long skewedEventTimeMs) {
        if (filter == null) {
            load();
        }
        String id = rule + SEP + eventId;
        byte[] digest = sha256.digest(id.getBytes(StandardCharsets.UTF_8));
        long hash = readLong(digest, 0);
        long check = readLong(digest, Long.BYTES);
        int bucket = (int) (hash >>> 58);
        long eventSecond = second(skewedEventTimeMs == null ? eventTimeMs : skewedEventTimeMs);
        long slot = eventSecond * BUCKETS + bucket;
        Chunk chunk = open.get(slot);
        if (filter.mightContain(hash, eventSecond) && (chunk != null && chunk.contains(hash, check)
                || written(chunkPrefix(eventSecond, bucket), eventSecond, eventSecond, hash, check))) {
            return false;
        }
        if (skewFilter.mightContainAny(hash) && skewedContains(bucket, hash, check)) {
            return false;
        }
        if (skewedEventTimeMs == null && (latest == Long.MIN_VALUE || eventSecond >= latest - windowMs / 2)) {
            remember(false, eventSecond, bucket, chunk, hash, check);
        } else {
            long at = latest == Long.MIN_VALUE ? second(eventTimeMs) : latest;
            remember(true, at, bucket, openSkewed.get(at * BUCKETS + bucket), hash, check);
        }
        return true;
    }

    /**
     * Adds a fingerprint to its space (the skew space or the normal one) at {@code second}: to {@code chunk}, the
     * chunk being filled for that second and bucket (a new one when null), and to the space's filter.
     */
    private void remember(boolean skewed, long second, int bucket, Chunk chunk, long hash, long check) {
        Map<Long, Chunk> space = skewed ? openSkewed : open;
        long slot = second * BUCKETS + bucket;
        if (chunk == null) {
            String prefix = skewed ? skewPrefix(bucket) + HEX.toHexDigits(second, TIME_DIGITS) + '.' : chunkPrefix(second, bucket);
            chunk = new Chunk(prefix + taskStart + '.' + Long.toHexString(chunks++), second);
            space.put(slot, chunk);
        }
        (skewed ? skewFilter : filter).add(hash, second);
        latest = Math.max(latest, second);
        chunk.add(hash, check);
        openIds++;
        if (chunk.ids == CHUNK_IDS) {
            write(chunk);
            space.remove(slot);
        } else if (openIds >= MAX_OPEN_IDS) {
            flushCache();
        }
    }

    /** Whether the skew space of {@code bucket} holds the fingerprint, in a chunk being filled or written within the window. */
    private boolean skewedContains(int bucket, long hash, long check) {
        String prefix = skewPrefix(bucket);
        for (Chunk chunk : openSkewed.values()) {
            if (chunk.key.startsWith(prefix) && chunk.contains(hash, check)) {
                return true;
            }
        }
        return written(prefix, latest - windowMs, latest, hash, check);
    }

    private static long second(long timeMs) {
        return Math.floorDiv(timeMs, 1000) * 1000;
    }

    /** Uploads the filters hold (as many as the store held at its load, plus those seen since). */
    public long size() {
        return filter == null ? 0 : filter.size() + skewFilter.size();
    }

    /** Whether a chunk keyed {@code prefix...} and stored within [{@code from}, {@code to}] holds the fingerprint. */
    private boolean written(String prefix, long from, long to, long hash, long check) {
        try (KeyValueIterator<Windowed<String>, byte[]> written = store.fetch(prefix, prefix + '~', from, to)) {
            while (written.hasNext()) {
                KeyValue<Windowed<String>, byte[]> chunk = written.next();
                if (contains(chunk.key.key(), chunk.value, chunk.value.length, hash, check)) {
                    return true;
                }
            }
        }
        return false;
    }

    private void write(Chunk chunk) {
        store.put(chunk.key, Arrays.copyOf(chunk.value, chunk.size), chunk.second);
        openIds -= chunk.ids;
    }

    /** The key of the chunks of one second and bucket, up to the task start and counter. */
    static String chunkPrefix(long secondMs, int bucket) {
        return HEX.toHexDigits(secondMs, TIME_DIGITS) + '.' + HEX.toHexDigits(bucket, 2) + '.';
    }

    /** The key of the skew space's chunks of one bucket, up to the second, task start and counter. */
    static String skewPrefix(int bucket) {
        return SKEW + HEX.toHexDigits(bucket, 2) + '.';
    }

    // ---- the state store: chunks being filled are written before every commit

    @Override
    public void init(StateStoreContext context, StateStore root) {
        store.init(context, root);
        open.clear();
        openSkewed.clear();
        openIds = 0;
        chunks = 0;
        taskStart = HEX.toHexDigits(ThreadLocalRandom.current().nextLong());
        filter = null;
        skewFilter = null;
    }

    /** Whether {@link #load} ran since the store's init: the task's processors share the store. */
    public boolean loaded() {
        return filter != null;
    }

    /**
     * Builds the filter from what the store holds: the task's processor calls this from its init,
     * after Kafka Streams restored the store (a store's own init comes before the restore).
     */
    public void load() {
        filter = new SeenFilter(windowMs);
        skewFilter = new SeenFilter(windowMs);
        latest = Long.MIN_VALUE;
        try (KeyValueIterator<Windowed<String>, byte[]> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<Windowed<String>, byte[]> chunk = all.next();
                checkLength(chunk.key.key(), chunk.value.length);
                addToFilter(chunk.key.key(), chunk.value, chunk.value.length, chunk.key.window().start());
            }
        }
        for (Chunk chunk : open.values()) {
            addToFilter(chunk.key, chunk.value, chunk.size, chunk.second);
        }
        for (Chunk chunk : openSkewed.values()) {
            addToFilter(chunk.key, chunk.value, chunk.size, chunk.second);
        }
    }

    /** Adds the fingerprints in {@code chunk[0, size)} to the filter of the chunk's space, at the chunk's time. */
    private void addToFilter(String key, byte[] chunk, int size, long time) {
        SeenFilter into = key.startsWith(SKEW) ? skewFilter : filter;
        for (int at = 0; at < size; at += FINGERPRINT) {
            into.add(readLong(chunk, at), time);
        }
        latest = Math.max(latest, time);
    }

    /** Writes every chunk being filled: Kafka Streams calls this before it commits the task. */
    @Override
    public void flushCache() {
        for (Chunk chunk : open.values()) {
            write(chunk);
        }
        for (Chunk chunk : openSkewed.values()) {
            write(chunk);
        }
        open.clear();
        openSkewed.clear();
    }

    /** Drops the chunks being filled: Kafka Streams calls this when the store's writes are to be forgotten. */
    @Override
    public void clearCache() {
        open.clear();
        openSkewed.clear();
        openIds = 0;
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<String, byte[]> listener, boolean sendOldValues) {
        return false;
    }

    @Override
    public String name() {
        return store.name();
    }

    @Override
    @SuppressWarnings("deprecation")
    public void flush() {
        store.flush();
    }

    @Override
    public void commit(Map<TopicPartition, Long> changelogOffsets) {
        store.commit(changelogOffsets);
    }

    @Override
    public Long committedOffset(TopicPartition partition) {
        return store.committedOffset(partition);
    }

    @Override
    @SuppressWarnings("deprecation")
    public boolean managesOffsets() {
        return store.managesOffsets();
    }

    @Override
    public void close() {
        clearCache();
        store.close();
    }

    @Override
    public boolean persistent() {
        return store.persistent();
    }

    @Override
    public boolean isOpen() {
        return store.isOpen();
    }

    @Override
    public Position getPosition() {
        return store.getPosition();
    }

    // ---- chunks

    /** Whether {@code chunk[0, size)} holds the fingerprint ({@code hash}, {@code check}). */
    private static boolean contains(String key, byte[] chunk, int size, long hash, long check) {
        checkLength(key, size);
        for (int at = 0; at < size; at += FINGERPRINT) {
            if (readLong(chunk, at) == hash && readLong(chunk, at + Long.BYTES) == check) {
                return true;
            }
        }
        return false;
    }

    private static void checkLength(String key, int size) {
        if (size % FINGERPRINT != 0) {
            throw new IllegalStateException("seen-events chunk " + key + " has " + size + " bytes, not a whole number of "
                    + FINGERPRINT + "-byte fingerprints");
        }
    }

    private static long readLong(byte[] bytes, int at) {
        return (long) LONGS.get(bytes, at);
    }

    private static void writeLong(byte[] bytes, int at, long value) {
        LONGS.set(bytes, at, value);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A chunk being filled: its key, its time, and its fingerprints so far. */
    private static final class Chunk {
        private final String key;
        private final long second;
        private final byte[] value = new byte[CHUNK_IDS * FINGERPRINT];
        private int size;
        private int ids;

        Chunk(String key, long second) {
            this.key = key;
            this.second = second;
        }

        void add(long hash, long check) {
            writeLong(value, size, hash);
            writeLong(value, size + Long.BYTES, check);
            size += FINGERPRINT;
            ids++;
        }

        boolean contains(long hash, long check) {
            return SeenStore.contains(key, value, size, hash, check);
        }
    }

    /** Builds a {@link SeenStore} over the window store its inner builder makes. */
    private static final class Builder implements StoreBuilder<SeenStore> {
        private final StoreBuilder<WindowStore<String, byte[]>> inner;
        private final long windowMs;

        Builder(StoreBuilder<WindowStore<String, byte[]>> inner, long windowMs) {
            this.inner = inner;
            this.windowMs = windowMs;
        }

        /** The store keeps its own chunks until the commit; Kafka Streams' record cache would only add a copy. */
        @Override
        public StoreBuilder<SeenStore> withCachingEnabled() {
            return this;
        }

        @Override
        public StoreBuilder<SeenStore> withCachingDisabled() {
            return this;
        }

        @Override
        public StoreBuilder<SeenStore> withLoggingEnabled(Map<String, String> config) {
            inner.withLoggingEnabled(config);
            return this;
        }

        @Override
        public StoreBuilder<SeenStore> withLoggingDisabled() {
            inner.withLoggingDisabled();
            return this;
        }

        @Override
        public SeenStore build() {
            return new SeenStore(inner.build(), windowMs);
        }

        @Override
        public Map<String, String> logConfig() {
            return inner.logConfig();
        }

        @Override
        public boolean loggingEnabled() {
            return inner.loggingEnabled();
        }

        @Override
        public String name() {
            return inner.name();
        }
    }
}
