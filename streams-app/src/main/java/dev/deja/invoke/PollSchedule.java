package dev.deja.invoke;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When to read an accepted activation's record, learnt from each action's observed durations: the first read
 * when the activation is expected to have ended (the moving average of its queue wait plus run time), then reads
 * a tenth of that apart, growing by half each miss, from 10 ms up to 1 s. An action not seen yet is read after
 * 25 ms, then ever less often.
 */
final class PollSchedule {

    static final long MIN_MS = 10;
    static final long MAX_MS = 1_000;
    static final long UNKNOWN_FIRST_MS = 25;
    private static final double WEIGHT = 0.2;

    private final Map<String, Double> expectedMs = new ConcurrentHashMap<>();

    /** Delay before the first read of an activation of {@code action}. */
    long first(String action) {
        Double expected = expectedMs.get(action);
        return expected == null ? UNKNOWN_FIRST_MS : clamp(Math.round(expected), MIN_MS, 30_000);
    }

    /** Delay before read number {@code misses + 1}, after {@code misses} reads found no record. */
    long next(String action, int misses) {
        Double expected = expectedMs.get(action);
        double base = expected == null ? UNKNOWN_FIRST_MS : expected / 10;
        return clamp(Math.round(base * Math.pow(1.5, Math.min(misses, 30))), MIN_MS, MAX_MS);
    }

    /** Learns from a finished activation's record (its wait and run time). */
    void observed(String action, Activation activation) {
        if (activation == null || activation.duration() == null) {
            return;
        }
        double took = activation.duration() + (activation.waitTime() == null ? 0 : activation.waitTime())
                + (activation.initTime() == null ? 0 : activation.initTime());
        expectedMs.merge(action, took, (old, now) -> old + WEIGHT * (now - old));
    }

    private static long clamp(long value, long min, long max) {
        return Math.max(min, Math.min(max, value));
    }
}
