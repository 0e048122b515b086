package dev.deja.topology.store;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the memory of every RocksDB store in the process with one shared block cache that also
 * accounts for memtables (Kafka Streams' memory-management guide). The budget is
 * {@code deja.rocksdb.cache.bytes}; half of it may hold memtables.
 *
 * <p>A process holds many stores: per partition the dedup table, waiters, timers, the seen-events
 * segments and the invoker's requests, plus the table replica. Each store's active memtable takes
 * at least one arena block from the shared budget as soon as it is written to. RocksDB's default
 * block (1 MiB for Kafka Streams' 16 MiB write buffers) times two dozen stores overran a small
 * budget on its own, so every write asked for a flush: a stream of tiny files, compactions and
 * write stalls, which once took a third of the stream thread's time on the cache-hit path. Small
 * arena blocks keep an idle store's share at {@link #ARENA_BLOCK_BYTES}, so the budget is spent on
 * data, and the largest memtable is flushed only when the stores together fill it.
 */
public final class BoundedMemoryRocksDbConfig implements RocksDBConfigSetter {

    public static final String CACHE_BYTES_CONFIG = "deja.rocksdb.cache.bytes";
    static final long DEFAULT_CACHE_BYTES = 256L * 1024 * 1024;
    static final long WRITE_BUFFER_BYTES = 8L * 1024 * 1024;
    static final long ARENA_BLOCK_BYTES = 256L * 1024;
    private static final double HIGH_PRIORITY_POOL_RATIO = 0.1;

    /** The block cache and the memtable budget charged to it, shared by the stores given them. */
    record Budget(Cache cache, WriteBufferManager writeBuffers) {

        static Budget of(long bytes) {
            RocksDB.loadLibrary();
            Cache cache = new LRUCache(bytes, -1, false, HIGH_PRIORITY_POOL_RATIO);
            return new Budget(cache, new WriteBufferManager(bytes / 2, cache));
        }

        /** Makes a store use this budget. */
        void apply(Options options) {
            BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
            table.setBlockCache(cache);
            table.setCacheIndexAndFilterBlocks(true);
            table.setCacheIndexAndFilterBlocksWithHighPriority(true);
            table.setPinTopLevelIndexAndFilter(true);
            options.setTableFormatConfig(table);
            options.setWriteBufferManager(writeBuffers);
            options.setWriteBufferSize(WRITE_BUFFER_BYTES);
            options.setArenaBlockSize(ARENA_BLOCK_BYTES);
        }
    }

    private static Budget shared;

    private static synchronized Budget shared(long bytes) {
        if (shared == null) {
            shared = Budget.of(bytes);
        }
        return shared;
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        Object configured = configs.get(CACHE_BYTES_CONFIG);
        shared(configured == null ? DEFAULT_CACHE_BYTES : Long.parseLong(configured.toString())).apply(options);
    }

    @Override
    public void close(String storeName, Options options) {
        // The cache and write buffer manager are shared by every store: never closed per store.
    }
}
