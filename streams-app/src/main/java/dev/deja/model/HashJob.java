package dev.deja.model;

import java.util.List;

/**
 * An object whose MD5 must be computed by streaming it (multipart or encrypted upload), with the
 * uploads (one per matched rule) that wait for it. Value of the {@code hash-jobs} store, keyed by
 * event id. The source event is kept so that an object that cannot be hashed reaches the
 * dead-letter topic as it came.
 */
public record HashJob(
        List<Upload> uploads,
        byte[] sourceKey,
        byte[] sourceValue,
        String sourceTopic,
        int sourcePartition,
        long sourceOffset) {

    public String bucket() {
        return uploads.get(0).object().bucket();
    }

    public String key() {
        return uploads.get(0).object().key();
    }
}
