package dev.deja.model;

/** The state of one dedup key in the table. */
public enum EntryStatus {
    PENDING,
    DONE,
    FAILED
}
