package dev.deja.topology;

import dev.deja.model.TableEntry;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Between the global thread that writes the table replica and the {@link CachedAnswerProcessor} of every task, which
 * keep replica entries decoded in memory. One per dedup topology.
 * <ul>
 *   <li>The keys whose replica entry stopped being DONE go to every reader's queue; a reader drops those keys before
 *       it answers again.</li>
 *   <li>DONE entries a reader decoded are shared (up to {@code capacity}), so that a content is decoded once per
 *       process, not once per task: every task meets every content, as the input is keyed by object. A change
 *       drops the key here too, and an entry read from the replica before a change is not shared after it.</li>
 * </ul>
 */
final class ReplicaChanges {

    private final List<Queue<String>> readers = new CopyOnWriteArrayList<>();
    private final Map<String, TableEntry> decoded = new ConcurrentHashMap<>();
    /** Changes so far; each counted once its key is in every reader's queue, and before its shared copy is dropped. */
    private final AtomicLong changes = new AtomicLong();
    private final int capacity;

    /** @param capacity decoded entries shared at most; 0 shares none */
    ReplicaChanges(int capacity) {
        this.capacity = capacity;
    }

    /** A new reader's queue of changed keys; {@link #stop} it when the reader closes. */
    Queue<String> listen() {
        Queue<String> queue = new ConcurrentLinkedQueue<>();
        readers.add(queue);
        return queue;
    }

    void stop(Queue<String> queue) {
        readers.remove(queue);
    }

    /** Called by the replica's writer after the store holds the key's new value (or none). */
    void changed(String key) {
        for (Queue<String> queue : readers) {
            queue.add(key);
        }
        changes.incrementAndGet();
        decoded.remove(key);
    }

    /** A DONE entry some reader decoded, or null. */
    TableEntry decoded(String key) {
        return decoded.get(key);
    }

    /**
     * Read before reading the replica, for {@link #share}; and before draining a reader's queue: while it stays the
     * same, the queue has no new key.
     */
    long version() {
        return changes.get();
    }

    /**
     * Shares a DONE entry read from the replica after {@link #version()} returned {@code seen}, unless a change came
     * since (which may have been written before the read, or its drop made before this put).
     */
    void share(String key, TableEntry entry, long seen) {
        if (decoded.size() >= capacity) {
            return;
        }
        decoded.put(key, entry);
        if (changes.get() != seen) {
            decoded.remove(key, entry);
        }
    }
}
