package dev.deja.topology;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the memory of every RocksDB store in the process with one shared block cache that also
 * accounts for memtables (Kafka Streams' memory-management guide). The budget is
 * {@code deja.rocksdb.cache.bytes}; a quarter of it may hold memtables.
 */
public final class BoundedMemoryRocksDbConfig implements RocksDBConfigSetter {

    public static final String CACHE_BYTES_CONFIG = "deja.rocksdb.cache.bytes";
    private static final double HIGH_PRIORITY_POOL_RATIO = 0.1;

    private static Cache cache;
    private static WriteBufferManager writeBufferManager;

    private static synchronized void ensureShared(long bytes) {
        if (cache == null) {
            cache = new LRUCache(bytes, -1, false, HIGH_PRIORITY_POOL_RATIO);
            writeBufferManager = new WriteBufferManager(bytes / 4, cache);
        }
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        Object configured = configs.get(CACHE_BYTES_CONFIG);
        ensureShared(configured == null ? 64L * 1024 * 1024 : Long.parseLong(configured.toString()));
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(cache);
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setWriteBufferManager(writeBufferManager);
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        // The cache and write buffer manager are shared by every store: never closed per store.
    }
}
