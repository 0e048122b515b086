package dev.deja.app;

/** Which parts of Deja a process runs: both, or one of them so they scale apart. */
public enum Role {
    ALL,
    DEDUP,
    INVOKER;

    boolean runsDedup() {
        return this != INVOKER;
    }

    boolean runsInvoker() {
        return this != DEDUP;
    }
}
