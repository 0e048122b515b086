package dev.deja.mirror;

import java.util.List;

/**
 * Where the mirror puts table records it could not mirror (unreadable, or refused by CouchDB for good), before it
 * commits past them. {@link #send} returns once the records are written, or throws: then the mirror keeps its batch
 * and tries again, committing nothing.
 */
@FunctionalInterface
public interface DeadLetterSink {

    /** One table record the mirror could not write, and why. */
    record Letter(String topic, int partition, long offset, String key, byte[] value, String reason) {
    }

    void send(List<Letter> letters);
}
