package dev.deja.topology;

import java.util.concurrent.CompletableFuture;

/** Computes an object's content MD5 by reading it, for uploads whose ETag is not their MD5. */
public interface ContentHashing {

    /**
     * The MD5 of the bytes the event describes, as lower-case hex: the object's {@code versionId}
     * where the event gives one, read only if it still has the event's {@code eTag}. Completes
     * exceptionally with {@link Rejected} when the object can never be hashed (missing, changed
     * since the event, too large); any other failure is retried later.
     */
    CompletableFuture<String> md5(String bucket, String key, String versionId, String eTag);

    /** A permanent failure: the event goes to the dead-letter topic with this reason. */
    final class Rejected extends RuntimeException {
        public Rejected(String reason) {
            super(reason);
        }
    }

    /** For deployments without S3 access: every such object is rejected with a clear reason. */
    ContentHashing UNAVAILABLE = (bucket, key, versionId, eTag) -> CompletableFuture.failedFuture(
            new Rejected("the ETag is not the content MD5 and no S3 endpoint is configured to hash the object"));
}
