package dev.deja.topology;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Bloom filter of the event ids a task has stored in its seen-events store, in front of that
 * store. Almost every event is new, and the store answers a question about a missing key by
 * searching every sorted run of RocksDB: measured on the cache-hit path, that lookup was a quarter
 * of the stream thread's time. The filter answers "never stored" from memory; only a "maybe" (a
 * redelivery, or about 1% of new events) asks the store. It never says "never" for a stored id,
 * so the store stays the only judge, and the filter only saves lookups.
 *
 * <p>Ids are grouped by event time into generations of half the redelivery window; a generation
 * is dropped once it is older than the window, which the store has dropped by then too. A
 * generation grows by blocks of {@link #BLOCK_IDS} ids, so a burst never saturates it: about 1.25
 * bytes of heap per id kept. The filter is rebuilt from the store when the task starts.
 */
final class SeenFilter {

    static final int BLOCK_IDS = 1 << 16;
    private static final int BITS_PER_ID = 10;
    private static final int PROBES = 7;
    private static final int BLOCK_BITS = BLOCK_IDS * BITS_PER_ID;

    private final long windowMs;
    private final long generationMs;
    private final TreeMap<Long, List<Block>> generations = new TreeMap<>();
    private long latestMs = Long.MIN_VALUE;

    SeenFilter(long windowMs) {
        this.windowMs = windowMs;
        this.generationMs = Math.max(1, windowMs / 2);
    }

    /** False if {@code id} was never added at {@code timeMs}'s generation; true if it may have been. */
    boolean mightContain(String id, long timeMs) {
        List<Block> blocks = generations.get(Math.floorDiv(timeMs, generationMs));
        if (blocks == null) {
            return false;
        }
        long hash = hash(id);
        for (Block block : blocks) {
            if (block.mightContain(hash)) {
                return true;
            }
        }
        return false;
    }

    void add(String id, long timeMs) {
        List<Block> blocks = generations.computeIfAbsent(Math.floorDiv(timeMs, generationMs), g -> new ArrayList<>(1));
        Block last = blocks.isEmpty() ? null : blocks.get(blocks.size() - 1);
        if (last == null || last.ids == BLOCK_IDS) {
            last = new Block();
            blocks.add(last);
        }
        last.add(hash(id));
        if (timeMs > latestMs) {
            latestMs = timeMs;
            dropOlderThan(timeMs - windowMs);
        }
    }

    /** Ids kept, counted per add (an id added twice counts twice). */
    long size() {
        long size = 0;
        for (List<Block> blocks : generations.values()) {
            for (Block block : blocks) {
                size += block.ids;
            }
        }
        return size;
    }

    /** Drops the generations that end before {@code timeMs}. */
    private void dropOlderThan(long timeMs) {
        long oldestKept = Math.floorDiv(timeMs, generationMs);
        for (Iterator<Map.Entry<Long, List<Block>>> it = generations.entrySet().iterator(); it.hasNext(); ) {
            if (it.next().getKey() >= oldestKept) {
                return;
            }
            it.remove();
        }
    }

    /** 64 bits of the id (FNV-1a over its chars, then MurmurHash3's finalizer). */
    static long hash(String id) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < id.length(); i++) {
            h ^= id.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /** One Bloom filter of up to {@link #BLOCK_IDS} ids; probes by double hashing of the two halves. */
    private static final class Block {
        private final long[] bits = new long[BLOCK_BITS / 64];
        private int ids;

        void add(long hash) {
            int h1 = (int) hash;
            int h2 = (int) (hash >>> 32);
            for (int i = 0; i < PROBES; i++) {
                int bit = Math.floorMod(h1 + i * h2, BLOCK_BITS);
                bits[bit >>> 6] |= 1L << bit;
            }
            ids++;
        }

        boolean mightContain(long hash) {
            int h1 = (int) hash;
            int h2 = (int) (hash >>> 32);
            for (int i = 0; i < PROBES; i++) {
                int bit = Math.floorMod(h1 + i * h2, BLOCK_BITS);
                if ((bits[bit >>> 6] & (1L << bit)) == 0) {
                    return false;
                }
            }
            return true;
        }
    }
}
