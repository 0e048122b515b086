package dev.deja.s3;

import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.MinioClient;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.MinioException;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes the MD5 of an object's content by streaming it from S3, for objects whose ETag is not
 * their MD5 (multipart uploads, SSE-C/SSE-KMS).
 *
 * <p>Work runs off the caller's thread on a pool of {@link Limits#maxConcurrent()} threads with a
 * queue of {@link Limits#maxQueued()} waiting requests; beyond that {@link #md5} fails at once with
 * a {@link RejectedExecutionException}. Each object is {@code statObject}-ed first and refused with
 * {@link ObjectTooLargeException} above {@link Limits#maxObjectBytes()}. Transient S3 failures
 * (5xx, throttling, I/O) are retried with exponential backoff and jitter, without holding a pool
 * thread while waiting; a missing object or bucket fails with {@link ObjectMissingException};
 * other failures with {@link S3AccessException}. The returned future fails with one of these
 * exceptions (unwrapped).
 */
public final class ContentHasher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ContentHasher.class);
    private static final int BUFFER_BYTES = 64 * 1024;

    /**
     * Bounds of the hasher.
     *
     * @param maxConcurrent  objects streamed at the same time
     * @param maxQueued      requests waiting for a thread before new ones are rejected
     * @param maxObjectBytes larger objects are refused
     * @param maxAttempts    attempts per object for transient failures (1 = no retry)
     * @param initialBackoff wait before the first retry; doubles each time, with jitter
     * @param maxBackoff     cap of the wait between retries
     */
    public record Limits(int maxConcurrent, int maxQueued, long maxObjectBytes, int maxAttempts,
                         Duration initialBackoff, Duration maxBackoff) {

        public Limits {
            if (maxConcurrent < 1 || maxQueued < 1 || maxObjectBytes < 0 || maxAttempts < 1) {
                throw new IllegalArgumentException("invalid hasher limits: " + maxConcurrent + ", " + maxQueued
                        + ", " + maxObjectBytes + ", " + maxAttempts);
            }
            Objects.requireNonNull(initialBackoff, "initialBackoff");
            Objects.requireNonNull(maxBackoff, "maxBackoff");
        }

        /** 4 concurrent, 10,000 queued, 5 GiB, 5 attempts, backoff 200 ms up to 10 s. */
        public static Limits defaults() {
            return new Limits(4, 10_000, 5L << 30, 5, Duration.ofMillis(200), Duration.ofSeconds(10));
        }
    }

    private final MinioClient client;
    private final Limits limits;
    private final ThreadPoolExecutor pool;
    private final Set<CompletableFuture<String>> pending = ConcurrentHashMap.newKeySet();

    public ContentHasher(MinioClient client, Limits limits) {
        this.client = Objects.requireNonNull(client, "client");
        this.limits = Objects.requireNonNull(limits, "limits");
        AtomicInteger threads = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(limits.maxConcurrent(), limits.maxConcurrent(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(limits.maxQueued()), r -> {
                    Thread t = new Thread(r, "deja-content-hasher-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.pool.allowCoreThreadTimeOut(true);
    }

    /**
     * The MD5 of {@code bucket/key}'s current content as 32 lower-case hex digits.
     *
     * @throws RejectedExecutionException if the hasher is closed or its queue is full
     */
    public CompletableFuture<String> md5(String bucket, String key) {
        return md5(bucket, key, null, null);
    }

    /**
     * The MD5 of the bytes an event described: {@code versionId} where given (null: the current
     * version), read only while the object still has {@code eTag} (null: any). An object that no
     * longer has them fails with {@link ObjectChangedException}.
     *
     * @throws RejectedExecutionException if the hasher is closed or its queue is full
     */
    public CompletableFuture<String> md5(String bucket, String key, String versionId, String eTag) {
        CompletableFuture<String> result = new CompletableFuture<>();
        pending.add(result);
        result.whenComplete((md5, error) -> pending.remove(result));
        Target target = new Target(bucket, key, versionId == null || versionId.equals("null") ? null : versionId, eTag);
        try {
            submit(target, 1, pool, result);
        } catch (RejectedExecutionException e) {
            pending.remove(result);
            throw e;
        }
        return result;
    }

    /** What to read: the object, and the version and ETag the event gave (null: not pinned). */
    private record Target(String bucket, String key, String versionId, String eTag) {

        /** The ETag as an If-Match header wants it (RFC 9110: quoted; s3proxy compares it as sent). */
        String ifMatch() {
            return eTag == null || eTag.startsWith("\"") ? eTag : "\"" + eTag + "\"";
        }
    }

    private void submit(Target target, int attempt, Executor executor, CompletableFuture<String> result) {
        String bucket = target.bucket();
        String key = target.key();
        executor.execute(() -> {
            try {
                result.complete(hashOnce(target));
            } catch (S3AccessException e) {
                result.completeExceptionally(e);
            } catch (MinioException | IOException | RuntimeException e) {
                // minio-java also surfaces I/O failures as unchecked exceptions wrapping the cause.
                if (S3Errors.isChanged(e)) {
                    result.completeExceptionally(new ObjectChangedException(bucket, key, target.eTag(), e));
                } else if (S3Errors.isMissing(e)) {
                    result.completeExceptionally(new ObjectMissingException(bucket, key, e));
                } else if (S3Errors.isTransient(e) && attempt < limits.maxAttempts() && !pool.isShutdown()) {
                    long delay = backoffMillis(attempt);
                    LOG.debug("hashing {}/{} failed (attempt {}), retrying in {} ms: {}", bucket, key, attempt,
                            delay, e.toString());
                    try {
                        submit(target, attempt + 1,
                                CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS, pool), result);
                    } catch (RejectedExecutionException rejected) {
                        result.completeExceptionally(rejected);
                    }
                } else if (e instanceof RuntimeException && !S3Errors.isTransient(e)) {
                    result.completeExceptionally(e);
                } else {
                    result.completeExceptionally(new S3AccessException("cannot hash " + bucket + "/" + key
                            + " after " + attempt + " attempt(s): " + e.getMessage(), e));
                }
            }
        });
    }

    private String hashOnce(Target target) throws MinioException, IOException {
        String bucket = target.bucket();
        String key = target.key();
        StatObjectResponse stat = client.statObject(StatObjectArgs.builder().bucket(bucket).object(key)
                .versionId(target.versionId()).matchETag(target.ifMatch()).build());
        if (stat.size() > limits.maxObjectBytes()) {
            throw new ObjectTooLargeException(bucket, key, stat.size(), limits.maxObjectBytes());
        }
        MessageDigest md5 = newMd5();
        long total = 0;
        try (GetObjectResponse in = client.getObject(GetObjectArgs.builder().bucket(bucket).object(key)
                .versionId(target.versionId()).matchETag(target.ifMatch()).build())) {
            byte[] buffer = new byte[BUFFER_BYTES];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                total += n;
                if (total > limits.maxObjectBytes()) {
                    // The object was replaced by a larger one between stat and get.
                    throw new ObjectTooLargeException(bucket, key, total, limits.maxObjectBytes());
                }
                md5.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(md5.digest());
    }

    private long backoffMillis(int attempt) {
        long base = limits.initialBackoff().toMillis() << Math.min(attempt - 1, 20);
        long capped = Math.min(base, limits.maxBackoff().toMillis());
        return capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
    }

    private static MessageDigest newMd5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is missing from this JVM", e);
        }
    }

    /**
     * Stops taking requests, interrupts running hashes and fails every unfinished future with a
     * {@link CancellationException}.
     */
    @Override
    public void close() {
        pool.shutdownNow();
        for (CompletableFuture<String> future : pending) {
            future.completeExceptionally(new CancellationException("content hasher closed"));
        }
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
