package dev.deja.topology.redelivery;

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
 * generation is a list of blocks, each a blocked Bloom filter (all of an id's bits in one 64-byte
 * line: one cache miss per block asked). The first block of a generation holds as many ids as the
 * largest generation kept (at least {@link #BLOCK_IDS}), and each further block twice as many as
 * the one before: at a steady rate a generation is one block, and a burst or a rebuild adds only
 * a few, so a lookup stays cheap and the false positives stay under 3% however many ids a
 * generation holds (about 1% in one block). About 1.25 to 4 bytes of heap per id kept. The filter is rebuilt from the
 * store when the task starts.
 */
final class SeenFilter {

    static final int BLOCK_IDS = 1 << 16;
    private static final int MAX_BLOCK_IDS = 1 << 27;
    private static final int BITS_PER_ID = 10;
    private static final int MAX_BITS_PER_ID = 16;
    private static final int PROBES = 7;
    private static final int LINE_WORDS = 8;

    private final long windowMs;
    private final long generationMs;
    private final TreeMap<Long, List<Block>> generations = new TreeMap<>();
    private long latestMs = Long.MIN_VALUE;

    SeenFilter(long windowMs) {
        this.windowMs = windowMs;
        this.generationMs = Math.max(1, windowMs / 2);
    }

    /** False if no id of this {@code hash} was added at {@code timeMs}'s generation; true if one may have been. */
    boolean mightContain(long hash, long timeMs) {
        List<Block> blocks = generations.get(Math.floorDiv(timeMs, generationMs));
        if (blocks == null) {
            return false;
        }
        for (int i = 0; i < blocks.size(); i++) {
            if (blocks.get(i).mightContain(hash)) {
                return true;
            }
        }
        return false;
    }

    /** False if no id of this {@code hash} was added at any time the filter keeps; true if one may have been. */
    boolean mightContainAny(long hash) {
        for (List<Block> blocks : generations.values()) {
            for (int i = 0; i < blocks.size(); i++) {
                if (blocks.get(i).mightContain(hash)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Adds an id, by its 64-bit {@code hash} (the seen-events store's are SHA-256 bits), at {@code timeMs}. */
    void add(long hash, long timeMs) {
        List<Block> blocks = generations.computeIfAbsent(Math.floorDiv(timeMs, generationMs), g -> new ArrayList<>(2));
        Block last = blocks.isEmpty() ? null : blocks.get(blocks.size() - 1);
        if (last == null || last.ids == last.capacity) {
            int capacity = last == null ? firstBlockIds() : (int) Math.min(MAX_BLOCK_IDS, 2L * last.capacity);
            last = new Block(capacity, Math.min(MAX_BITS_PER_ID, BITS_PER_ID + 2 * blocks.size()));
            blocks.add(last);
        }
        last.add(hash);
        if (timeMs > latestMs) {
            latestMs = timeMs;
            dropOlderThan(timeMs - windowMs);
        }
    }

    /** Ids kept, counted per add (an id added twice counts twice). */
    long size() {
        long size = 0;
        for (List<Block> blocks : generations.values()) {
            size += ids(blocks);
        }
        return size;
    }

    /** Blocks of {@code timeMs}'s generation. */
    int blocks(long timeMs) {
        List<Block> blocks = generations.get(Math.floorDiv(timeMs, generationMs));
        return blocks == null ? 0 : blocks.size();
    }

    /** A new generation's first block: room for as many ids as the largest generation kept. */
    private int firstBlockIds() {
        long largest = 0;
        for (List<Block> blocks : generations.values()) {
            largest = Math.max(largest, ids(blocks));
        }
        return (int) Math.min(MAX_BLOCK_IDS, Math.max(BLOCK_IDS, largest));
    }

    private static long ids(List<Block> blocks) {
        long ids = 0;
        for (Block block : blocks) {
            ids += block.ids;
        }
        return ids;
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

    private static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /**
     * A blocked Bloom filter of up to {@code capacity} ids: the hash's high half picks a 512-bit
     * line, and seven 9-bit slices of a second mix pick the bits in it. A generation's later blocks
     * get more bits per id, so the false positives of a generation of several blocks add up to
     * little more than its first block's (about 1%).
     */
    private static final class Block {
        private final long[] words;
        private final int lines;
        private final int capacity;
        private int ids;

        Block(int capacity, int bitsPerId) {
            this.capacity = capacity;
            this.lines = (int) Math.max(1, ((long) capacity * bitsPerId + 511) / 512);
            this.words = new long[lines * LINE_WORDS];
        }

        void add(long hash) {
            int line = line(hash);
            long bits = mix(hash + 0x9e3779b97f4a7c15L);
            for (int i = 0; i < PROBES; i++, bits >>>= 9) {
                int bit = (int) bits & 511;
                words[line + (bit >>> 6)] |= 1L << bit;
            }
            ids++;
        }

        boolean mightContain(long hash) {
            int line = line(hash);
            long bits = mix(hash + 0x9e3779b97f4a7c15L);
            for (int i = 0; i < PROBES; i++, bits >>>= 9) {
                int bit = (int) bits & 511;
                if ((words[line + (bit >>> 6)] & (1L << bit)) == 0) {
                    return false;
                }
            }
            return true;
        }

        /** The first word of the hash's line. */
        private int line(long hash) {
            return (int) (((hash >>> 32) * lines) >>> 32) * LINE_WORDS;
        }
    }
}
