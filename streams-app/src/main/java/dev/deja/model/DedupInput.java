package dev.deja.model;

/**
 * What the dedup processor consumes, keyed by dedup key (exactly one field is set): an upload or
 * a count of hits the ingest side answered from the table replica (both through the uploads
 * repartition topic), or an invocation result.
 */
public record DedupInput(Upload upload, InvocationResult result, Long hits) {

    public static DedupInput of(Upload upload) {
        return new DedupInput(upload, null, null);
    }

    public static DedupInput of(InvocationResult result) {
        return new DedupInput(null, result, null);
    }

    public static DedupInput hits(long hits) {
        return new DedupInput(null, null, hits);
    }
}
