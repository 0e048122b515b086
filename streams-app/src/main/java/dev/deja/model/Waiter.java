package dev.deja.model;

/** An upload parked on a dedup key until the call it waits for ends (value of the {@code dedup-waiters} store). */
public record Waiter(Upload upload, long arrivedAtMs) {
}
