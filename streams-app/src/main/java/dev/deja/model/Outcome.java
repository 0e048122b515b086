package dev.deja.model;

/** How an upload's output record was produced. */
public enum Outcome {
    /** This upload caused the invocation and carries its fresh result. */
    INVOKED,
    /** This upload arrived while the same content was being processed and shares that call's result. */
    COALESCED,
    /** The result was already in the table: no call was made. */
    CACHED,
    /** The invocation this upload waited on failed; the failure is not cached. */
    FAILED
}
