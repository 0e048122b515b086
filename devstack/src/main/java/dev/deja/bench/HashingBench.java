package dev.deja.bench;

import dev.deja.local.LocalS3;
import dev.deja.s3.ContentHasher;
import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Scenario 6: the MD5 of large objects streamed from s3proxy by {@link ContentHasher} (the path
 * of multipart and encrypted uploads), one at a time and all at once, against MD5 over the same
 * bytes in memory.
 */
final class HashingBench {

    static final String TITLE = "Hashing (ContentHasher over s3proxy)";

    static final String BUCKET = "bench-hashing";

    private HashingBench() {
    }

    static ScenarioResult run(LocalS3 s3, int objects, int objectBytes, long seed, Consumer<String> progress)
            throws Exception {
        MinioClient client = s3.client();
        if (!client.bucketExists(BucketExistsArgs.builder().bucket(BUCKET).build())) {
            client.makeBucket(MakeBucketArgs.builder().bucket(BUCKET).build());
        }
        Random random = new Random(seed);
        List<String> expected = new ArrayList<>();
        byte[] data = new byte[objectBytes];
        double memorySeconds = 0;
        for (int i = 0; i < objects; i++) {
            random.nextBytes(data);
            long t0 = System.nanoTime();
            expected.add(HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data)));
            memorySeconds += (System.nanoTime() - t0) / 1e9;
            client.putObject(PutObjectArgs.builder().bucket(BUCKET).object("object-" + i)
                    .stream(new ByteArrayInputStream(data), (long) data.length, Math.max(5L << 20, (long) data.length)).build());
            progress.accept("[6/8] hashing: uploaded " + (i + 1) + "/" + objects + " objects of "
                    + (objectBytes >> 20) + " MiB");
        }
        double totalMiB = (double) objects * objectBytes / 1048576.0;
        int mismatches = 0;
        double sequential;
        double concurrent;
        try (ContentHasher hasher = new ContentHasher(client, ContentHasher.Limits.defaults())) {
            long t0 = System.nanoTime();
            for (int i = 0; i < objects; i++) {
                if (!hasher.md5(BUCKET, "object-" + i).get().equals(expected.get(i))) {
                    mismatches++;
                }
            }
            sequential = (System.nanoTime() - t0) / 1e9;
            progress.accept("[6/8] hashing: one at a time done, now " + objects + " at once");
            t0 = System.nanoTime();
            List<CompletableFuture<String>> all = new ArrayList<>();
            for (int i = 0; i < objects; i++) {
                all.add(hasher.md5(BUCKET, "object-" + i));
            }
            for (int i = 0; i < objects; i++) {
                if (!all.get(i).get().equals(expected.get(i))) {
                    mismatches++;
                }
            }
            concurrent = (System.nanoTime() - t0) / 1e9;
        }
        return new ScenarioResult.Builder(6, TITLE)
                .figure("hash_objects", "objects", objects, "x " + (objectBytes >> 20) + " MiB")
                .figure("hash_sequential", "MD5 streamed from s3proxy, one at a time", totalMiB / sequential, "MiB/s")
                .figure("hash_concurrent", "MD5 streamed from s3proxy, " + Math.min(objects,
                        ContentHasher.Limits.defaults().maxConcurrent()) + " at once", totalMiB / concurrent, "MiB/s")
                .figure("hash_memory", "MD5 over the bytes in memory (ceiling)", totalMiB / memorySeconds, "MiB/s")
                .figure("hash_mismatches", "MD5 mismatches", mismatches, "")
                .note("ContentHasher.Limits.defaults(): 4 objects at once, 64 KiB reads.")
                .build();
    }
}
