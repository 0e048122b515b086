package dev.deja.topology;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The keys whose replica entry stopped being DONE, from the global thread that writes the replica
 * to every stream thread's {@link CachedAnswerProcessor}, which keeps replica entries decoded in
 * memory and drops those keys before it answers again. One per dedup topology.
 */
final class ReplicaChanges {

    private final List<Queue<String>> readers = new CopyOnWriteArrayList<>();

    /** A new reader's queue of changed keys; {@link #stop} it when the reader closes. */
    Queue<String> listen() {
        Queue<String> queue = new ConcurrentLinkedQueue<>();
        readers.add(queue);
        return queue;
    }

    void stop(Queue<String> queue) {
        readers.remove(queue);
    }

    void changed(String key) {
        for (Queue<String> queue : readers) {
            queue.add(key);
        }
    }
}
