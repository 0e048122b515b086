package dev.deja.model;

import java.util.List;

/**
 * An object whose MD5 must be computed by streaming it (multipart or encrypted upload), with the
 * uploads (one per matched rule) that wait for it. Value of the {@code hash-jobs} store, keyed by
 * event id. It keeps only what the uploads need and where the event came from (not the event: one
 * event of many records would otherwise be copied into the store once per record).
 *
 * @param firstTriedMs when the job was stored (wall clock); hashing gives up some time after it
 */
public record HashJob(
        List<Upload> uploads,
        String sourceTopic,
        int sourcePartition,
        long sourceOffset,
        long firstTriedMs) {

    public String bucket() {
        return uploads.get(0).object().bucket();
    }

    public String key() {
        return uploads.get(0).object().key();
    }
}
