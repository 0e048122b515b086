package dev.deja.invoke;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops calls to OpenWhisk while it is down and probes for its recovery.
 *
 * <ul>
 *   <li>{@link State#CLOSED}: every call is admitted; {@code failureThreshold} consecutive transient failures
 *       open the breaker.</li>
 *   <li>{@link State#OPEN}: every call is refused for {@code openDuration}; then the breaker is half-open.</li>
 *   <li>{@link State#HALF_OPEN}: at most {@code probes} probe calls are admitted; once {@code probes} of them
 *       succeed the breaker closes; any probe failure opens it again for another {@code openDuration}.</li>
 * </ul>
 *
 * <p>A call asks for a {@link Permit} with {@link #tryAcquire()} and reports how it ended on that permit.
 * Reports from permits issued before the last state change are ignored, so a slow call from before an outage
 * cannot close or re-open the breaker. Thread-safe; time comes from the given clock so tests control it.
 */
public final class CircuitBreaker {

    private static final Logger LOG = LoggerFactory.getLogger(CircuitBreaker.class);

    /** Breaker states. */
    public enum State {
        CLOSED, OPEN, HALF_OPEN
    }

    private final int failureThreshold;
    private final long openMillis;
    private final int probes;
    private final LongSupplier clockMillis;

    private State state = State.CLOSED;
    private long generation;
    private int consecutiveFailures;
    private long openedAtMillis;
    private int probesInFlight;
    private int probeSuccesses;

    public CircuitBreaker(int failureThreshold, Duration openDuration, int probes, LongSupplier clockMillis) {
        if (failureThreshold < 1 || probes < 1) {
            throw new IllegalArgumentException("failureThreshold and probes must be >= 1");
        }
        this.failureThreshold = failureThreshold;
        this.openMillis = openDuration.toMillis();
        this.probes = probes;
        this.clockMillis = clockMillis;
    }

    public CircuitBreaker(int failureThreshold, Duration openDuration, int probes, Clock clock) {
        this(failureThreshold, openDuration, probes, clock::millis);
    }

    /** The current state; an open breaker whose cool-down has passed reports {@link State#HALF_OPEN}. */
    public synchronized State state() {
        advance();
        return state;
    }

    /** True when {@link #tryAcquire()} would admit a call now. Takes no permit. */
    public synchronized boolean admits() {
        advance();
        return switch (state) {
            case CLOSED -> true;
            case OPEN -> false;
            case HALF_OPEN -> probeSlotFree();
        };
    }

    /**
     * Admits one call.
     *
     * @return the permit on which the call reports its outcome, or {@code null} when the call is refused
     */
    public synchronized Permit tryAcquire() {
        advance();
        switch (state) {
            case CLOSED:
                return new Permit(generation, false);
            case HALF_OPEN:
                if (probeSlotFree()) {
                    probesInFlight++;
                    return new Permit(generation, true);
                }
                return null;
            default:
                return null;
        }
    }

    private boolean probeSlotFree() {
        return probesInFlight + probeSuccesses < probes;
    }

    private void advance() {
        if (state == State.OPEN && clockMillis.getAsLong() - openedAtMillis >= openMillis) {
            transition(State.HALF_OPEN);
            LOG.info("OpenWhisk circuit breaker half-open: letting up to {} probe call(s) through", probes);
        }
    }

    private synchronized void record(Permit permit, boolean success) {
        advance();
        if (permit.generation != generation) {
            return;
        }
        if (state == State.CLOSED) {
            if (success) {
                consecutiveFailures = 0;
            } else if (++consecutiveFailures >= failureThreshold) {
                open("after " + consecutiveFailures + " consecutive transient failures");
            }
        } else if (state == State.HALF_OPEN && permit.probe) {
            probesInFlight--;
            if (!success) {
                open("again: a probe call failed");
            } else if (++probeSuccesses >= probes) {
                transition(State.CLOSED);
                LOG.info("OpenWhisk circuit breaker closed after {} successful probe(s)", probeSuccesses);
            }
        }
    }

    private void open(String why) {
        transition(State.OPEN);
        openedAtMillis = clockMillis.getAsLong();
        LOG.warn("OpenWhisk circuit breaker opened {}; refusing calls for {} ms", why, openMillis);
    }

    private void transition(State next) {
        state = next;
        generation++;
        consecutiveFailures = 0;
        probesInFlight = 0;
        probeSuccesses = 0;
    }

    /** The right to make one call; report its outcome once with {@link #onSuccess()} or {@link #onFailure()}. */
    public final class Permit {
        private final long generation;
        private final boolean probe;
        private final AtomicBoolean reported = new AtomicBoolean();

        private Permit(long generation, boolean probe) {
            this.generation = generation;
            this.probe = probe;
        }

        /** True when this call probes a half-open breaker. */
        public boolean probe() {
            return probe;
        }

        /** OpenWhisk answered (even with an application error): it is up. */
        public void onSuccess() {
            if (reported.compareAndSet(false, true)) {
                record(this, true);
            }
        }

        /** OpenWhisk failed transiently (5xx, 429, network, timeout). */
        public void onFailure() {
            if (reported.compareAndSet(false, true)) {
                record(this, false);
            }
        }
    }
}
