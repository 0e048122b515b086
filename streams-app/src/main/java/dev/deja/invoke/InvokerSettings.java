package dev.deja.invoke;

import java.time.Duration;

/**
 * How the {@link Invoker} retries, trips its breaker and hands large results to the {@link ResultStore}.
 *
 * @param inlineResultMaxBytes    results whose JSON is larger go to the result store (claim check)
 * @param maxPending              invocations accepted and not finished (including backoff waits) at once;
 *                                beyond it {@link Invoker#admits()} is false and calls are deferred
 * @param maxRetries              retries of a transient failure after the first call
 * @param initialBackoff          retry delay cap of the first retry; doubles per retry (full jitter below it)
 * @param maxBackoff              cap of any retry delay
 * @param breakerFailureThreshold consecutive transient failures that open the breaker
 * @param breakerOpenDuration     cool-down of an open breaker before probes
 * @param breakerProbes           successful probes that close a half-open breaker
 * @param blocking                invoke with {@code ?blocking=true} (one HTTP call, but the activation id is known
 *                                only when the call returns) instead of non-blocking (202 with the id at once, then
 *                                reads of the activation)
 * @param pollDeadline            how long an accepted activation is read for before it is given up as uncertain
 */
public record InvokerSettings(
        long inlineResultMaxBytes,
        int maxPending,
        int maxRetries,
        Duration initialBackoff,
        Duration maxBackoff,
        int breakerFailureThreshold,
        Duration breakerOpenDuration,
        int breakerProbes,
        boolean blocking,
        Duration pollDeadline) {

    public static final int DEFAULT_MAX_PENDING = 1_000;

    public InvokerSettings {
        if (inlineResultMaxBytes < 0 || maxPending < 1 || maxRetries < 0) {
            throw new IllegalArgumentException(
                    "inlineResultMaxBytes must be >= 0, maxPending >= 1 and maxRetries >= 0");
        }
        if (initialBackoff == null || maxBackoff == null || breakerOpenDuration == null
                || pollDeadline == null || initialBackoff.isNegative() || maxBackoff.isNegative()
                || breakerOpenDuration.isNegative() || pollDeadline.isNegative()) {
            throw new IllegalArgumentException("backoffs and breakerOpenDuration must be non-negative durations");
        }
    }

    /** Retry and breaker settings from {@code openWhisk}, with the given inline limit and in-flight bound. */
    public static InvokerSettings from(OpenWhiskSettings openWhisk, long inlineResultMaxBytes, int maxPending) {
        return new InvokerSettings(inlineResultMaxBytes, maxPending, openWhisk.maxRetries(),
                openWhisk.initialBackoff(), openWhisk.maxBackoff(), openWhisk.breakerFailureThreshold(),
                openWhisk.breakerOpenDuration(), openWhisk.breakerProbes(), false, openWhisk.pollDeadline());
    }

    /** The same settings, invoking blocking or not. */
    public InvokerSettings withBlocking(boolean value) {
        return new InvokerSettings(inlineResultMaxBytes, maxPending, maxRetries, initialBackoff, maxBackoff,
                breakerFailureThreshold, breakerOpenDuration, breakerProbes, value, pollDeadline);
    }

    /** Like {@link #from(OpenWhiskSettings, long, int)} with {@link #DEFAULT_MAX_PENDING}. */
    public static InvokerSettings from(OpenWhiskSettings openWhisk, long inlineResultMaxBytes) {
        return from(openWhisk, inlineResultMaxBytes, DEFAULT_MAX_PENDING);
    }
}
