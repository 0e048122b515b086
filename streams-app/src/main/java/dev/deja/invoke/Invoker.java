package dev.deja.invoke;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.deja.model.InvocationRequest;
import dev.deja.model.InvocationResult;
import dev.deja.serde.Json;
import dev.deja.topology.ActionCaller;
import dev.deja.topology.CallOutcome;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The asynchronous facade the stream processor drives: fire an {@link InvocationRequest}, get an
 * {@link CallOutcome} later.
 *
 * <ul>
 *   <li>{@link #call} never blocks and its future never completes exceptionally.</li>
 *   <li>Transient failures (429, 5xx, network, timeout) are retried up to {@code maxRetries} times with
 *       exponential backoff and full jitter, on this invoker's scheduler (never on the caller's thread).</li>
 *   <li>Failures of the action (application error, action developer error) and refusals (413, 401/403/404)
 *       complete at once as a failed {@link InvocationResult}, without retry.</li>
 *   <li>A {@link CircuitBreaker} counts transient failures. A call it refuses, and a call whose retries it cut
 *       short by opening, ends {@link CallOutcome.Deferred}: OpenWhisk is down, keep the request and fire it
 *       again later. Retries exhausted while the breaker stays closed end as a failed result with failure kind
 *       {@code whisk internal error} or {@code unavailable}.</li>
 *   <li>A successful result whose JSON exceeds {@code inlineResultMaxBytes} is put in the {@link ResultStore}
 *       and the result carries its reference instead (unless no store was given).</li>
 * </ul>
 */
public final class Invoker implements ActionCaller, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Invoker.class);
    private static final int STORE_THREADS = 4;
    static final String RESULT_STORE_FAILURE = "result store unavailable";

    private final OpenWhiskClient client;
    private final ResultStore resultStore;
    private final InvokerSettings settings;
    private final Clock clock;
    private final CircuitBreaker breaker;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService storeExecutor;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private final Set<CompletableFuture<CallOutcome>> unfinished = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * @param client      the OpenWhisk client; the caller keeps ownership and closes it after this invoker
     * @param resultStore where large results go; {@code null} keeps every result inline
     * @param settings    retry, breaker and claim-check settings
     * @param clock       time for the breaker and {@code completedAtMs}
     */
    public Invoker(OpenWhiskClient client, ResultStore resultStore, InvokerSettings settings, Clock clock) {
        this.client = client;
        this.resultStore = resultStore;
        this.settings = settings;
        this.clock = clock;
        this.breaker = new CircuitBreaker(settings.breakerFailureThreshold(), settings.breakerOpenDuration(),
                settings.breakerProbes(), clock);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("deja-invoker-retry"));
        this.storeExecutor = resultStore == null ? null : Executors.newFixedThreadPool(STORE_THREADS,
                daemon("deja-invoker-store"));
    }

    /**
     * True when a call may be fired now: the breaker is closed (or half-open with a probe slot free) and fewer
     * than {@code maxPending} invocations are unfinished.
     */
    @Override
    public boolean admits() {
        return !closed && pending.get() < settings.maxPending() && breaker.admits();
    }

    /**
     * Invokes the request's action with its params.
     *
     * @return the outcome; never completes exceptionally
     */
    @Override
    public CompletableFuture<CallOutcome> call(InvocationRequest request) {
        if (closed) {
            return deferred("invoker closed");
        }
        if (!reservePendingSlot()) {
            return deferred("too many invocations in flight (" + settings.maxPending() + ")");
        }
        CircuitBreaker.Permit permit = breaker.tryAcquire();
        if (permit == null) {
            pending.decrementAndGet();
            return deferred("OpenWhisk circuit breaker is " + breaker.state() + " (no call allowed now)");
        }
        CompletableFuture<CallOutcome> outcome = new CompletableFuture<>();
        unfinished.add(outcome);
        outcome.whenComplete((ignored, error) -> {
            unfinished.remove(outcome);
            pending.decrementAndGet();
        });
        attempt(request, permit, 0, 0, outcome);
        return outcome;
    }

    private boolean reservePendingSlot() {
        while (true) {
            int current = pending.get();
            if (current >= settings.maxPending()) {
                return false;
            }
            if (pending.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** The breaker's state, for health checks and metrics. */
    public CircuitBreaker.State breakerState() {
        return breaker.state();
    }

    /** HTTP calls to OpenWhisk in progress (an invocation waiting for a retry is not counted). */
    public int inFlight() {
        return inFlight.get();
    }

    /** Invocations accepted and not finished yet, including those waiting for a retry. */
    public int pending() {
        return pending.get();
    }

    /**
     * Stops retries; unfinished invocations complete {@link CallOutcome.Deferred}. Does not close the client.
     */
    @Override
    public void close() {
        closed = true;
        scheduler.shutdownNow();
        if (storeExecutor != null) {
            storeExecutor.shutdownNow();
        }
        for (CompletableFuture<CallOutcome> outcome : unfinished) {
            outcome.complete(new CallOutcome.Deferred("invoker closed"));
        }
    }

    // ----------------------------------------------------------------------------------------------------------

    private void attempt(InvocationRequest request, CircuitBreaker.Permit permit, int retry, int callsSoFar,
            CompletableFuture<CallOutcome> outcome) {
        inFlight.incrementAndGet();
        CompletableFuture<CallResult> call;
        try {
            call = client.invoke(request.action(), request.params());
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        call.whenComplete((result, error) -> {
            inFlight.decrementAndGet();
            try {
                CallResult callResult = result != null ? result
                        : CallResult.transientFailure(CallResult.UNAVAILABLE,
                                client.sanitize("client error: " + error), null, 0, 1);
                onCallResult(request, permit, retry, callsSoFar + callResult.calls(), callResult, outcome);
            } catch (RuntimeException e) {
                LOG.error("Unexpected error handling the invocation of {} (dedup key {})", request.action(),
                        request.dedupKey(), e);
                outcome.complete(completed(request, false, "internal error", null, null,
                        client.sanitize(String.valueOf(e)), null, callsSoFar + 1));
            }
        });
    }

    private void onCallResult(InvocationRequest request, CircuitBreaker.Permit permit, int retry, int calls,
            CallResult result, CompletableFuture<CallOutcome> outcome) {
        Activation activation = result.activation();
        switch (result.kind()) {
            case SUCCESS -> {
                permit.onSuccess();
                succeed(request, activation, calls, outcome);
            }
            case FAILURE -> {
                permit.onSuccess(); // OpenWhisk answered: it is up, whatever the action did.
                LOG.debug("Invocation of {} failed ({}): {}", request.action(), result.failureKind(),
                        result.message());
                outcome.complete(completed(request, false, result.failureKind(), null, null, failureText(result),
                        activation, calls));
            }
            case TRANSIENT -> {
                permit.onFailure();
                if (closed) {
                    outcome.complete(new CallOutcome.Deferred("invoker closed"));
                } else if (breaker.state() == CircuitBreaker.State.OPEN) {
                    outcome.complete(new CallOutcome.Deferred(
                            "OpenWhisk circuit breaker opened: " + result.message()));
                } else if (retry >= settings.maxRetries()) {
                    LOG.warn("Invocation of {} failed after {} call(s): {}", request.action(), calls,
                            result.message());
                    outcome.complete(completed(request, false, result.failureKind(), null, null, result.message(),
                            activation, calls));
                } else {
                    scheduleRetry(request, retry + 1, calls, result, outcome);
                }
            }
            default -> throw new IllegalStateException("unknown call result kind " + result.kind());
        }
    }

    private void scheduleRetry(InvocationRequest request, int retry, int calls, CallResult last,
            CompletableFuture<CallOutcome> outcome) {
        long delay = backoffMillis(retry);
        LOG.debug("Retry {} of {} in {} ms after: {}", retry, request.action(), delay, last.message());
        try {
            scheduler.schedule(() -> {
                if (closed) {
                    outcome.complete(new CallOutcome.Deferred("invoker closed"));
                    return;
                }
                CircuitBreaker.Permit permit = breaker.tryAcquire();
                if (permit == null) {
                    outcome.complete(new CallOutcome.Deferred(
                            "OpenWhisk circuit breaker is " + breaker.state() + " (no retry allowed now)"));
                } else {
                    attempt(request, permit, retry, calls, outcome);
                }
            }, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            outcome.complete(new CallOutcome.Deferred("invoker closed"));
        }
    }

    /** Full jitter: uniform in [0, min(maxBackoff, initialBackoff * 2^(retry-1))]. */
    long backoffMillis(int retry) {
        long initial = settings.initialBackoff().toMillis();
        long cap = settings.maxBackoff().toMillis();
        long exponential = retry >= 31 ? cap : Math.min(cap, initial * (1L << (retry - 1)));
        return exponential <= 0 ? 0 : ThreadLocalRandom.current().nextLong(exponential + 1);
    }

    private void succeed(InvocationRequest request, Activation activation, int calls,
            CompletableFuture<CallOutcome> outcome) {
        JsonNode result = activation.result() == null ? Json.object() : activation.result();
        byte[] json;
        try {
            json = Json.MAPPER.writeValueAsBytes(result);
        } catch (JsonProcessingException e) {
            outcome.complete(completed(request, false, "internal error", null, null,
                    "cannot serialize the result: " + e.getMessage(), activation, calls));
            return;
        }
        if (resultStore == null || json.length <= settings.inlineResultMaxBytes()) {
            outcome.complete(completed(request, true, null, result, null, null, activation, calls));
            return;
        }
        try {
            CompletableFuture.supplyAsync(() -> resultStore.put(json), storeExecutor).whenComplete((ref, error) -> {
                if (error == null) {
                    outcome.complete(completed(request, true, null, null, ref, null, activation, calls));
                } else {
                    LOG.warn("Cannot store the {}-byte result of {} (activation {})", json.length,
                            request.action(), activation.activationId(), error);
                    outcome.complete(completed(request, false, RESULT_STORE_FAILURE, null, null,
                            "cannot store the result: " + error.getMessage(), activation, calls));
                }
            });
        } catch (RejectedExecutionException e) {
            outcome.complete(new CallOutcome.Deferred("invoker closed"));
        }
    }

    private CallOutcome completed(InvocationRequest request, boolean success, String failureKind,
            JsonNode result, String resultRef, String error, Activation activation, int calls) {
        return new CallOutcome.Done(new InvocationResult(
                request.dedupKey(),
                request.attempt(),
                success,
                failureKind,
                result,
                resultRef,
                error,
                activation == null ? null : activation.activationId(),
                activation == null ? null : activation.duration(),
                calls,
                clock.millis()));
    }

    /** The action's own error text when it gave one, else the client's message. */
    private String failureText(CallResult result) {
        Activation activation = result.activation();
        String error = activation == null ? null : activation.error();
        return error != null ? client.sanitize(error) : result.message();
    }

    private static CompletableFuture<CallOutcome> deferred(String reason) {
        return CompletableFuture.completedFuture(new CallOutcome.Deferred(reason));
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
