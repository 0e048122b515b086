package dev.deja.s3;

import dev.deja.topology.ContentHashing;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;

/**
 * The hashing stage's view of {@link ContentHasher}. Only what may pass is left to retry: a transient S3 failure
 * (5xx, throttling, I/O) after the hasher's own attempts, a full queue, a closing hasher. Everything else is
 * final and {@link ContentHashing.Rejected} with its reason: a missing, changed or too large object, and every refusal
 * S3 will repeat however often it is asked (403 AccessDenied, a bad signature, an invalid object name).
 */
public final class S3ContentHashing {

    private S3ContentHashing() {
    }

    public static ContentHashing of(ContentHasher hasher) {
        return (bucket, key, versionId, eTag) -> {
            CompletableFuture<String> md5;
            try {
                md5 = hasher.md5(bucket, key, versionId, eTag);
            } catch (RuntimeException e) {
                md5 = CompletableFuture.failedFuture(e);
            }
            return md5.exceptionallyCompose(error -> CompletableFuture.failedFuture(classify(error)));
        };
    }

    /** {@code error} as the hashing stage takes it: {@link ContentHashing.Rejected} when retrying cannot help. */
    static Throwable classify(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof ContentHashing.Rejected) {
            return cause;
        }
        if (cause instanceof ObjectMissingException || cause instanceof ObjectChangedException
                || cause instanceof ObjectTooLargeException) {
            return new ContentHashing.Rejected(cause.getMessage());
        }
        if (cause instanceof RejectedExecutionException || cause instanceof CancellationException
                || S3Errors.isTransient(cause)) {
            return cause;
        }
        return new ContentHashing.Rejected(reason(cause));
    }

    private static String reason(Throwable cause) {
        String message = cause.getMessage();
        for (Throwable t = cause.getCause(); t != null && message == null; t = t.getCause()) {
            message = t.getMessage();
        }
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
