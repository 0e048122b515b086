package dev.deja.mirror;

/**
 * What {@link Mirror#rebuild} did: the table records it read (up to the end offsets captured at
 * its start), the documents it wrote and deleted, the records it could not read, and how long it
 * took.
 */
public record RebuildReport(long records, long docsWritten, long docsDeleted, long badRecords, long durationMs) {
}
