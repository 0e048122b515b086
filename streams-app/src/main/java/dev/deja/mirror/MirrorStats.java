package dev.deja.mirror;

/**
 * A snapshot of the mirror's counters since it started.
 *
 * @param docsWritten documents created or updated
 * @param docsDeleted documents deleted for tombstones
 * @param skippedOlder changes not written because CouchDB held a newer entry version
 * @param conflictsResolved documents written (or skipped) after a 409 conflict and a re-read
 * @param rejected documents CouchDB refused for good
 * @param badRecords table records that could not be read (skipped)
 * @param batches batches accepted by CouchDB and committed
 * @param failedAttempts attempts to write a batch that failed (and were retried)
 * @param lag records behind the end of the table topic, over the assigned partitions (-1 unknown)
 * @param couchUp whether the last attempt to write succeeded
 * @param lastError the message of the last failure, or null (never contains the password)
 */
public record MirrorStats(
        long docsWritten,
        long docsDeleted,
        long skippedOlder,
        long conflictsResolved,
        long rejected,
        long badRecords,
        long batches,
        long failedAttempts,
        long lag,
        boolean couchUp,
        String lastError) {
}
