package dev.deja.topology;

import dev.deja.model.HashJob;
import dev.deja.model.S3Object;
import dev.deja.model.Upload;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes the content MD5 of objects whose ETag is not one (multipart, SSE-C, SSE-KMS) by
 * streaming them, off the stream thread and bounded in concurrency; then routes each waiting
 * upload by its dedup key. An object that cannot be hashed ({@link ContentHashing.Rejected}: missing,
 * changed since the event, too large, access denied) goes to the dead-letter topic at once; other failures are retried with
 * backoff until {@code giveUpAfter} has passed since the job was stored, and then go there too, with
 * the last error. Either way every upload ends in an output or a dead letter within bounded time.
 */
final class HashProcessor extends AsyncWorkProcessor<HashJob, String, Ingested> {

    private static final Logger LOG = LoggerFactory.getLogger(HashProcessor.class);
    private static final long MAX_RETRY_DELAY_MS = 30_000;

    private final ContentHashing hashing;
    private final TopologyMetrics metrics;
    private final long giveUpAfterMs;
    private final int maxRecordBytes;
    private final Map<String, Integer> failures = new HashMap<>();

    HashProcessor(ContentHashing hashing, Semaphore limit, Duration pollInterval, TopologyMetrics metrics,
            Duration giveUpAfter, int maxRecordBytes) {
        super(DejaTopology.HASH_JOBS_STORE, limit, pollInterval);
        this.hashing = hashing;
        this.metrics = metrics;
        this.giveUpAfterMs = giveUpAfter.toMillis();
        this.maxRecordBytes = maxRecordBytes;
    }

    @Override
    protected CompletableFuture<String> start(String key, HashJob job) {
        S3Object object = job.uploads().get(0).object();
        return hashing.md5(object.bucket(), object.key(), object.versionId(), object.eTag());
    }

    @Override
    protected Verdict complete(String key, HashJob job, String md5, Throwable error, long now) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause == null) {
            failures.remove(key);
            for (Upload upload : job.uploads()) {
                Upload keyed = upload.withContentMd5(md5);
                context.forward(new Record<>(keyed.dedupKey(), (Ingested) new Ingested.Routed(keyed), now));
            }
            return FINISHED;
        }
        int failed = failures.merge(key, 1, Integer::sum);
        // a job stored before jobs had a first try counts from now
        long since = job.firstTriedMs() > 0 ? job.firstTriedMs() : now;
        if (cause instanceof ContentHashing.Rejected || now - since >= giveUpAfterMs) {
            failures.remove(key);
            String reason = cause instanceof ContentHashing.Rejected ? cause.getMessage()
                    : "gave up after " + failed + " attempt(s) over " + Duration.ofMillis(now - since) + ": " + cause;
            deadLetter(key, job, reason, cause, now);
            return FINISHED;
        }
        long delay = Math.min(MAX_RETRY_DELAY_MS, 100L << Math.min(failed, 16));
        LOG.warn("hashing {} failed ({} time(s)), retrying in {} ms: {}", key, failed, delay, cause.toString());
        return new Retry(delay);
    }

    private void deadLetter(String key, HashJob job, String reason, Throwable cause, long now) {
        String letterReason = "cannot hash s3://" + job.bucket() + "/" + job.key() + ": " + reason;
        metrics.deadLetter(letterReason);
        LOG.warn("cannot hash {}: {} (upload sent to the dead-letter topic)", key, reason);
        Upload first = job.uploads().get(0);
        DeadLetters.Letter letter = DeadLetters.letter(
                first.object().path().getBytes(java.nio.charset.StandardCharsets.UTF_8), ObjectEvent.of(first.object()),
                DeadLetters.headers(letterReason,
                        cause.getClass().getName(), job.sourceTopic(), job.sourcePartition(), job.sourceOffset()),
                maxRecordBytes);
        context.forward(new Record<String, Ingested>(null, new Ingested.Rejected(letter.key(), letter.value()), now,
                letter.headers()));
    }
}
