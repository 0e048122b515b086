package dev.deja.topology.store;

import dev.deja.model.TableEntry;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The dedup table as the dedup processor sees it: the {@code dedup-table} store, with up to
 * {@code capacity} entries kept decoded in memory (the least recently used go first), so that a
 * cache hit decodes no JSON and, with {@link #putLater}, encodes none either.
 *
 * <p>{@link #put} writes through to the store. {@link #putLater} is for changes that are only
 * statistics (a hit count, the last-seen time): the entry stays in memory until {@link #save} or
 * its eviction writes it to the store. A crash loses at most those unsaved counts, never an answer
 * or a waiter.
 *
 * <p>Only the task's own processor writes its store, so the decoded copy is never stale; the
 * processor makes a new one in {@code init}, which a closed and revived task runs again.
 */
public final class EntryCache {

    private final KeyValueStore<String, TableEntry> store;
    private final int capacity;
    private final Set<String> unsaved = new HashSet<>();
    private final LinkedHashMap<String, TableEntry> decoded;

    public EntryCache(KeyValueStore<String, TableEntry> store, int capacity) {
        this.store = store;
        this.capacity = capacity;
        this.decoded = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, TableEntry> eldest) {
                if (size() <= EntryCache.this.capacity) {
                    return false;
                }
                if (unsaved.remove(eldest.getKey())) {
                    store.put(eldest.getKey(), eldest.getValue());
                }
                return true;
            }
        };
    }

    public TableEntry get(String key) {
        TableEntry entry = decoded.get(key);
        if (entry == null) {
            entry = store.get(key);
            if (entry != null && capacity > 0) {
                decoded.put(key, entry);
            }
        }
        return entry;
    }

    /** Stores the entry now. */
    public void put(String key, TableEntry entry) {
        unsaved.remove(key);
        store.put(key, entry);
        if (capacity > 0) {
            decoded.put(key, entry);
        }
    }

    /** Keeps the entry in memory; it reaches the store on {@link #save} or eviction (at once without a cache). */
    public void putLater(String key, TableEntry entry) {
        if (capacity == 0) {
            store.put(key, entry);
            return;
        }
        decoded.put(key, entry);
        unsaved.add(key);
    }

    /** Writes the entry to the store if only memory has its latest change. */
    public void save(String key) {
        if (unsaved.remove(key)) {
            store.put(key, decoded.get(key));
        }
    }

    public void delete(String key) {
        unsaved.remove(key);
        decoded.remove(key);
        store.delete(key);
    }

    public int unsaved() {
        return unsaved.size();
    }
}
