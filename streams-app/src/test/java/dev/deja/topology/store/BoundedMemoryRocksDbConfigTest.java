package dev.deja.topology.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

class BoundedMemoryRocksDbConfigTest {

    private static final long MIB = 1024 * 1024;

    @TempDir
    Path dir;

    private final List<RocksDB> stores = new ArrayList<>();
    private final List<Options> options = new ArrayList<>();
    private BoundedMemoryRocksDbConfig.Budget budget;

    @AfterEach
    void close() {
        stores.forEach(RocksDB::close);
        options.forEach(Options::close);
        if (budget != null) {
            budget.writeBuffers().close();
            budget.cache().close();
        }
    }

    @Test
    void shouldFlushNothingWhileManyStoresTogetherHoldLessThanTheMemtableBudget() throws Exception {
        // 48 stores, as 12 partitions of dedup table, waiters, timers and seen events would make.
        budget = BoundedMemoryRocksDbConfig.Budget.of(64 * MIB);
        open(48);

        write(100 * 1024);

        assertThat(switchedMemtables()).as("memtables switched (immutable or flushed to level 0)").isZero();
    }

    @Test
    void shouldFlushOnceTheStoresFillTheMemtableBudget() throws Exception {
        budget = BoundedMemoryRocksDbConfig.Budget.of(16 * MIB);
        open(8);

        write(2 * MIB);

        assertThat(switchedMemtables()).as("memtables switched (immutable or flushed to level 0)").isPositive();
    }

    private void open(int count) throws RocksDBException {
        for (int i = 0; i < count; i++) {
            // What Kafka Streams sets before it calls the config setter.
            Options store = new Options().setCreateIfMissing(true).setWriteBufferSize(16 * MIB)
                    .setMaxWriteBufferNumber(3).setTableFormatConfig(new BlockBasedTableConfig());
            budget.apply(store);
            options.add(store);
            stores.add(RocksDB.open(store, dir.resolve("store-" + i).toString()));
        }
    }

    /** Writes {@code bytes} of 1 KiB values into every store. */
    private void write(long bytes) throws RocksDBException {
        byte[] value = new byte[1024];
        for (int s = 0; s < stores.size(); s++) {
            for (int i = 0; i < bytes / value.length; i++) {
                stores.get(s).put(("key-" + s + "-" + i).getBytes(StandardCharsets.UTF_8), value);
            }
        }
    }

    private long switchedMemtables() throws RocksDBException {
        long switched = 0;
        for (RocksDB store : stores) {
            switched += store.getLongProperty("rocksdb.num-immutable-mem-table")
                    + Long.parseLong(store.getProperty("rocksdb.num-files-at-level0"));
        }
        return switched;
    }
}
