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
 * upload by its dedup key. An object that cannot be hashed (missing, changed since the event, too large) sends its event to
 * the dead-letter topic; other failures are retried with backoff.
 */
final class HashProcessor extends AsyncWorkProcessor<HashJob, String, Ingested> {

    private static final Logger LOG = LoggerFactory.getLogger(HashProcessor.class);
    private static final long MAX_RETRY_DELAY_MS = 30_000;

    private final ContentHashing hashing;
    private final TopologyMetrics metrics;
    private final Map<String, Integer> failures = new HashMap<>();

    HashProcessor(ContentHashing hashing, Semaphore limit, Duration pollInterval, TopologyMetrics metrics) {
        super(DejaTopology.HASH_JOBS_STORE, limit, pollInterval);
        this.hashing = hashing;
        this.metrics = metrics;
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
        if (cause instanceof ContentHashing.Rejected rejected) {
            failures.remove(key);
            metrics.deadLetter();
            LOG.warn("cannot hash {}: {} (event sent to the dead-letter topic)", key, rejected.getMessage());
            context.forward(new Record<String, Ingested>(null, new Ingested.Rejected(job.sourceKey(), job.sourceValue()), now,
                    DeadLetters.headers("cannot hash s3://" + job.bucket() + "/" + job.key() + ": " + rejected.getMessage(),
                            cause.getClass().getName(), job.sourceTopic(), job.sourcePartition(), job.sourceOffset())));
            return FINISHED;
        }
        int failed = failures.merge(key, 1, Integer::sum);
        long delay = Math.min(MAX_RETRY_DELAY_MS, 100L << Math.min(failed, 16));
        LOG.warn("hashing {} failed ({} time(s)), retrying in {} ms: {}", key, failed, delay, cause.toString());
        return new Retry(delay);
    }
}
