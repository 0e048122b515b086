package dev.deja.topology;

import dev.deja.model.EntryStatus;
import dev.deja.model.TableEntry;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps the {@code dedup-table-replica} global store equal to the table topic: entries in,
 * tombstones out. A key that stops being DONE (a tombstone, or an entry made again after one) is
 * also reported to {@link ReplicaChanges}, so that no decoded copy of the old entry answers again.
 */
final class ReplicaWriter implements Processor<String, TableEntry, Void, Void> {

    private final String storeName;
    private final ReplicaChanges changes;
    private KeyValueStore<String, TableEntry> store;

    ReplicaWriter(String storeName, ReplicaChanges changes) {
        this.storeName = storeName;
        this.changes = changes;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<String, TableEntry> record) {
        if (record.value() == null) {
            store.delete(record.key());
        } else {
            store.put(record.key(), record.value());
        }
        if (record.value() == null || record.value().status() != EntryStatus.DONE) {
            changes.changed(record.key());
        }
    }
}
