package dev.deja.topology;

import dev.deja.model.InvocationRequest;
import dev.deja.model.OutputRecord;
import dev.deja.model.TableEntry;

/** What the dedup processor emits; the topology routes each kind to its topic. */
sealed interface DedupOutput {

    /** To {@code deja-invocations}, keyed by dedup key. */
    record Invoke(InvocationRequest request) implements DedupOutput {
    }

    /** To {@code deja-output}, keyed by {@code bucket/object}. */
    record Output(OutputRecord record) implements DedupOutput {
    }

    /** To {@code deja-table}, keyed by dedup key; a null entry is a tombstone. */
    record Table(TableEntry entry) implements DedupOutput {
    }
}
