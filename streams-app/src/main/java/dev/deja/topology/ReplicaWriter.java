package dev.deja.topology;

import dev.deja.model.TableEntry;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/** Keeps the {@code dedup-table-replica} global store equal to the table topic: entries in, tombstones out. */
final class ReplicaWriter implements Processor<String, TableEntry, Void, Void> {

    private final String storeName;
    private KeyValueStore<String, TableEntry> store;

    ReplicaWriter(String storeName) {
        this.storeName = storeName;
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
    }
}
