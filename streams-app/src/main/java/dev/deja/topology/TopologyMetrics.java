package dev.deja.topology;

import dev.deja.model.OutputRecord;
import java.time.Duration;

/** What the processors count; the application implements it over its meter registry. */
public interface TopologyMetrics {

    /** Counts nothing (tests, tools). */
    TopologyMetrics NONE = new TopologyMetrics() {
    };

    /** One input event read. */
    default void eventIn() {
    }

    /** One record sent to the dead-letter topic, with its reason (the {@code deja.reason} header). */
    default void deadLetter(String reason) {
    }

    /** One MinIO redelivery recognised and dropped. */
    default void redelivery() {
    }

    /** One invocation request emitted by the dedup table. */
    default void invocationRequested() {
    }

    /**
     * One output record (its rule, action, outcome and latency are counted); {@code savedDurationMs} is the
     * action time a cached or coalesced answer saved.
     */
    default void answered(OutputRecord output, Long savedDurationMs) {
    }

    /** One finished invocation (the invoker's side): request-to-result latency, HTTP calls made, failure kind or null. */
    default void called(Duration latency, int httpCalls, String failureKind) {
    }
}
