package dev.deja.topology;

import dev.deja.model.HashJob;
import dev.deja.model.Upload;

/** What ingest makes of one bucket event (or of one hashed object). */
sealed interface Ingested {

    /** Ready for the dedup table, keyed by dedup key. */
    record Routed(Upload upload) implements Ingested {
    }

    /** The ETag is not the content MD5: the object must be hashed first (keyed by event id). */
    record NeedsHash(HashJob job) implements Ingested {
    }

    /** Bad input, to the dead-letter topic as it came, with the reason in headers. */
    record Rejected(byte[] key, byte[] value) implements Ingested {
    }
}
