package dev.deja.topology;

/** What the dedup processor consumes, keyed by dedup key: an upload or a result (exactly one is set). */
public record DedupInput(Upload upload, InvocationResult result) {

    static DedupInput of(Upload upload) {
        return new DedupInput(upload, null);
    }

    static DedupInput of(InvocationResult result) {
        return new DedupInput(null, result);
    }
}
