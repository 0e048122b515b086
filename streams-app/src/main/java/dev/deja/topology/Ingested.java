package dev.deja.topology;

import dev.deja.model.DedupInput;
import dev.deja.model.HashJob;
import dev.deja.model.OutputRecord;
import dev.deja.model.Upload;

/** What ingest makes of one bucket event (or of one hashed object); the topology routes each kind to its topic. */
sealed interface Ingested {

    /** A cache hit the table replica answered: to {@code deja-output}, keyed by {@code bucket/object}. */
    record Answered(OutputRecord record) implements Ingested {
    }

    /** On to the dedup processor through the uploads repartition topic, keyed by dedup key: an upload, or hits. */
    record Onward(DedupInput input) implements Ingested {
    }

    /** A hashed object's upload, keyed by dedup key, for the cached-answer step. */
    record Routed(Upload upload) implements Ingested {
    }

    /** The ETag is not the content MD5: the object must be hashed first (keyed by event id). */
    record NeedsHash(HashJob job) implements Ingested {
    }

    /** Bad input, to the dead-letter topic as it came, with the reason in headers. */
    record Rejected(byte[] key, byte[] value) implements Ingested {
    }
}
