package dev.deja.invoke;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.deja.model.InvocationRequest;
import dev.deja.model.InvocationResult;
import dev.deja.serde.Json;
import dev.deja.topology.ActionCaller;
import dev.deja.topology.CallOutcome;
import java.time.Clock;
import java.util.Map;
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
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ActionCaller} over OpenWhisk's REST API: fire an {@link InvocationRequest}, get a {@link CallOutcome}
 * later. Its futures never block the caller and never complete exceptionally.
 *
 * <p>A call is sent again only where Deja knows OpenWhisk did not take it:
 * <ul>
 *   <li>By default the invocation is non-blocking: OpenWhisk answers 202 with the activation id in milliseconds and
 *       the call ends {@link CallOutcome.Accepted}. The caller records the id (in Kafka) and then {@link #await}s
 *       the activation, reading its record ({@code GET .../activations/{id}}) on a schedule learnt from the action's
 *       observed durations. With {@code blocking} the POST waits for the record (one HTTP call; a 202 after
 *       OpenWhisk's own blocking wait is an {@code Accepted} too).</li>
 *   <li>Refusals (429, 503, 408) and requests that never left (no connection) are retried up to
 *       {@code maxRetries} times with exponential backoff and full jitter, on this invoker's scheduler.</li>
 *   <li>A request that was sent and got no answer that settles it (a timeout or reset after it went out, a
 *       gateway's 504, a 500 or 502 without a record) is never sent again: the call ends {@link CallOutcome.Done}
 *       with failure kind {@code uncertain}, counted by {@link #uncertain()}. The dedup table treats it as any
 *       failure (never a cached answer, re-invoked after the cool-down).</li>
 *   <li>Failures of the action (application error, action developer error, whisk internal error in a record) and
 *       refusals of the request (413, 401/403/404) complete at once as a failed result.</li>
 *   <li>A {@link CircuitBreaker} counts refusals and uncertain calls. While it is open, calls and retries end
 *       {@link CallOutcome.Deferred}: keep the request and fire it again later. While the process is
 *       {@linkplain #drain() draining} (a rebalance or a shutdown), new calls are deferred too.</li>
 *   <li>The same request (dedup key and attempt) called again while its call runs, or shortly after it ended, gets
 *       that call's outcome: a task revived in the same process attaches to its calls instead of firing them
 *       again. The same holds for {@link #await} of one activation id.</li>
 *   <li>A successful result whose JSON exceeds {@code inlineResultMaxBytes} is put in the {@link ResultStore}
 *       and the result carries its reference instead; without a store it is a failure of kind
 *       {@value #RESULT_TOO_LARGE} (records never carry more than the inline limit), not retried.</li>
 * </ul>
 */
public final class Invoker implements ActionCaller, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Invoker.class);
    private static final int STORE_THREADS = 4;
    /** How long an ended call's outcome is kept for a revived task to attach to. */
    private static final long RECENT_MS = 60_000;
    static final String RESULT_STORE_FAILURE = "result store unavailable";
    /** Failure kind of a result above the inline limit when no object store is configured: final, not retried. */
    public static final String RESULT_TOO_LARGE = "result too large";
    /** Longest error text a result carries (it is copied into the table entry and every waiter's output). */
    static final int MAX_ERROR_CHARS = 2000;

    private final OpenWhiskClient client;
    private final ResultStore resultStore;
    private final InvokerSettings settings;
    private final Clock clock;
    private final CircuitBreaker breaker;
    private final PollSchedule schedule = new PollSchedule();
    private final ScheduledExecutorService scheduler;
    private final ExecutorService storeExecutor;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger sending = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong uncertain = new AtomicLong();
    private final AtomicLong reads = new AtomicLong();
    /** Calls running or recently ended, by {@link InvocationRequest#callId()} (invocations) or {@code @activationId} (reads). */
    private final Map<String, CompletableFuture<CallOutcome>> calls = new ConcurrentHashMap<>();
    /** When each activation accepted in this process was accepted (nanoTime), until it is awaited. */
    private final Map<String, Long> acceptedAt = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private volatile boolean draining;

    /**
     * @param client      the OpenWhisk client; the caller keeps ownership and closes it after this invoker
     * @param resultStore where large results go; {@code null} keeps every result inline
     * @param settings    retry, breaker, claim-check and invocation-mode settings
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
     * True when a call may be fired now: not draining, the breaker is closed (or half-open with a probe slot free)
     * and fewer than {@code maxPending} invocations are unfinished.
     */
    @Override
    public boolean admits() {
        return !closed && !draining && pending.get() < settings.maxPending() && breaker.admits();
    }

    /**
     * Invokes the request's action with its params, or returns the outcome of the same request's call running or
     * recently ended in this process.
     *
     * @return the outcome; never completes exceptionally
     */
    @Override
    public CompletableFuture<CallOutcome> call(InvocationRequest request) {
        CompletableFuture<CallOutcome> running = calls.get(request.callId());
        if (attachable(running)) {
            return running;
        }
        if (closed || draining) {
            return deferred(closed ? "invoker closed" : "draining: no new call while tasks move");
        }
        if (!reservePendingSlot()) {
            return deferred("too many invocations in flight (" + settings.maxPending() + ")");
        }
        CircuitBreaker.Permit permit = breaker.tryAcquire();
        if (permit == null) {
            pending.decrementAndGet();
            return deferred("OpenWhisk circuit breaker is " + breaker.state() + " (no call allowed now)");
        }
        CompletableFuture<CallOutcome> outcome = track(request.callId());
        attempt(request, permit, 0, 0, outcome);
        return outcome;
    }

    /**
     * Waits for activation {@code activationId}, which OpenWhisk accepted for {@code request}: reads its record
     * until it is stored. Never invokes. Ends {@link CallOutcome.Deferred} when OpenWhisk cannot be read now (the
     * caller reads again later), {@code Done} with failure kind {@code uncertain} when no record is stored within
     * the poll deadline.
     */
    @Override
    public CompletableFuture<CallOutcome> await(InvocationRequest request, String activationId) {
        String key = "@" + activationId;
        CompletableFuture<CallOutcome> running = calls.get(key);
        if (attachable(running)) {
            return running;
        }
        if (closed) {
            return deferred("invoker closed");
        }
        pending.incrementAndGet();
        CompletableFuture<CallOutcome> outcome = track(key);
        long deadline = System.nanoTime() + settings.pollDeadline().toNanos();
        // The first read when the activation should be done, counted from when OpenWhisk accepted it here.
        Long accepted = acceptedAt.remove(activationId);
        long sinceMs = accepted == null ? 0 : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - accepted);
        long first = Math.max(0, schedule.first(request.action()) - sinceMs);
        scheduleRead(request, activationId, deadline, 0, first, 0, outcome);
        return outcome;
    }

    /** A call to attach to: running, or ended with an answer (a deferred one is to be made again). */
    private static boolean attachable(CompletableFuture<CallOutcome> call) {
        return call != null && !(call.isDone() && call.join() instanceof CallOutcome.Deferred);
    }

    private CompletableFuture<CallOutcome> track(String key) {
        CompletableFuture<CallOutcome> outcome = new CompletableFuture<>();
        calls.put(key, outcome);
        outcome.whenComplete((ignored, error) -> {
            pending.decrementAndGet();
            try {
                scheduler.schedule(() -> calls.remove(key, outcome), RECENT_MS, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                calls.remove(key, outcome);
            }
        });
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

    /** Stops new calls (they end {@link CallOutcome.Deferred}) while tasks move: a rebalance or a shutdown. */
    public void drain() {
        draining = true;
    }

    @Override
    public int sending() {
        return sending.get();
    }

    @Override
    public boolean acceptsAtOnce() {
        return !settings.blocking();
    }

    @Override
    public boolean draining() {
        return draining;
    }

    /** Lets new calls through again after {@link #drain()}. */
    public void resume() {
        draining = false;
    }

    /** The breaker's state, for health checks and metrics. */
    public CircuitBreaker.State breakerState() {
        return breaker.state();
    }

    /** HTTP calls to OpenWhisk in progress (an invocation waiting for a retry or a read is not counted). */
    public int inFlight() {
        return inFlight.get();
    }

    /** Invocations and awaited activations not finished yet, including those waiting for a retry or a read. */
    public int pending() {
        return pending.get();
    }

    /** Invocations sent whose acceptance no answer settled: never sent again, ended as uncertain failures. */
    public long uncertain() {
        return uncertain.get();
    }

    /** Reads of activation records made so far. */
    public long reads() {
        return reads.get();
    }

    /**
     * Stops retries and reads; unfinished invocations complete {@link CallOutcome.Deferred}. Does not close the
     * client.
     */
    @Override
    public void close() {
        closed = true;
        scheduler.shutdownNow();
        if (storeExecutor != null) {
            storeExecutor.shutdownNow();
        }
        for (CompletableFuture<CallOutcome> outcome : calls.values()) {
            outcome.complete(new CallOutcome.Deferred("invoker closed"));
        }
    }

    // ----------------------------------------------------------------------------------------------------------

    private void attempt(InvocationRequest request, CircuitBreaker.Permit permit, int retry, int callsSoFar,
            CompletableFuture<CallOutcome> outcome) {
        inFlight.incrementAndGet();
        sending.incrementAndGet();
        CompletableFuture<CallResult> call;
        try {
            call = client.invoke(request.action(), request.params(), settings.blocking());
        } catch (RuntimeException e) {
            call = CompletableFuture.completedFuture(CallResult.uncertain(
                    client.sanitize("client error: " + e), 0, 1));
        }
        call.whenComplete((result, error) -> {
            inFlight.decrementAndGet();
            try {
                CallResult callResult = result != null ? result
                        : CallResult.uncertain(client.sanitize("client error: " + error), 0, 1);
                onCallResult(request, permit, retry, callsSoFar + callResult.calls(), callResult, outcome);
            } catch (RuntimeException e) {
                LOG.error("Unexpected error handling the invocation of {} (dedup key {})", request.action(),
                        request.dedupKey(), e);
                outcome.complete(completed(request, false, CallResult.UNCERTAIN, null, null,
                        client.sanitize(String.valueOf(e)), null, callsSoFar + 1));
            } finally {
                // After the outcome's callbacks ran: whoever waits for nothing to be sending sees the answer queued.
                sending.decrementAndGet();
            }
        });
    }

    private void onCallResult(InvocationRequest request, CircuitBreaker.Permit permit, int retry, int calls,
            CallResult result, CompletableFuture<CallOutcome> outcome) {
        Activation activation = result.activation();
        switch (result.kind()) {
            case SUCCESS -> {
                permit.onSuccess();
                schedule.observed(request.action(), activation);
                succeed(request, activation, calls, outcome);
            }
            case ACCEPTED -> {
                permit.onSuccess();
                if (acceptedAt.size() > 10_000) {
                    acceptedAt.clear(); // ids handed over and never awaited here: forget them, the schedule copes
                }
                acceptedAt.put(activation.activationId(), System.nanoTime());
                outcome.complete(new CallOutcome.Accepted(activation.activationId(), calls));
            }
            case FAILURE -> {
                permit.onSuccess(); // OpenWhisk answered: it is up, whatever the action did.
                LOG.debug("Invocation of {} failed ({}): {}", request.action(), result.failureKind(),
                        result.message());
                outcome.complete(completed(request, false, result.failureKind(), null, null, failureText(result),
                        activation, calls));
            }
            case UNCERTAIN, PENDING -> {
                permit.onFailure();
                uncertain.incrementAndGet();
                LOG.warn("Invocation of {} (dedup key {}, attempt {}) may or may not have been accepted; not sending"
                        + " it again: {}", request.action(), request.dedupKey(), request.attempt(), result.message());
                outcome.complete(completed(request, false, CallResult.UNCERTAIN, null, null, result.message(),
                        null, calls));
            }
            case TRANSIENT -> {
                permit.onFailure();
                if (closed) {
                    outcome.complete(new CallOutcome.Deferred("invoker closed"));
                } else if (breaker.state() == CircuitBreaker.State.OPEN) {
                    outcome.complete(new CallOutcome.Deferred(
                            "OpenWhisk circuit breaker opened: " + result.message()));
                } else if (retry >= settings.maxRetries()) {
                    LOG.warn("Invocation of {} refused after {} call(s): {}", request.action(), calls,
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
                if (closed || draining) {
                    // No new POST while tasks move: the attempts before were refused, the next owner sends it.
                    outcome.complete(new CallOutcome.Deferred(closed ? "invoker closed" : "draining"));
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

    // ---- reading an accepted activation

    private void scheduleRead(InvocationRequest request, String activationId, long deadlineNanos, int misses,
            long delayMs, int callsSoFar, CompletableFuture<CallOutcome> outcome) {
        if (System.nanoTime() - deadlineNanos > 0) {
            uncertain.incrementAndGet();
            LOG.warn("Activation {} of {} (dedup key {}) has no record after {}; giving it up as uncertain",
                    activationId, request.action(), request.dedupKey(), settings.pollDeadline());
            outcome.complete(completed(request, false, CallResult.UNCERTAIN, null, null, "activation " + activationId
                    + " has no record after " + settings.pollDeadline(), Activation.idOnly(activationId), callsSoFar));
            return;
        }
        try {
            scheduler.schedule(() -> read(request, activationId, deadlineNanos, misses, callsSoFar, outcome),
                    delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            outcome.complete(new CallOutcome.Deferred("invoker closed"));
        }
    }

    private void read(InvocationRequest request, String activationId, long deadlineNanos, int misses,
            int callsSoFar, CompletableFuture<CallOutcome> outcome) {
        if (closed) {
            outcome.complete(new CallOutcome.Deferred("invoker closed"));
            return;
        }
        inFlight.incrementAndGet();
        reads.incrementAndGet();
        client.activation(request.action(), activationId).whenComplete((result, error) -> {
            inFlight.decrementAndGet();
            int calls = callsSoFar + 1;
            CallResult read = result != null ? result
                    : CallResult.transientFailure(CallResult.UNAVAILABLE, String.valueOf(error), null, 0, 1);
            switch (read.kind()) {
                case SUCCESS -> {
                    schedule.observed(request.action(), read.activation());
                    succeed(request, read.activation(), calls, outcome);
                }
                case FAILURE -> outcome.complete(completed(request, false, read.failureKind(), null, null,
                        failureText(read), read.activation(), calls));
                case PENDING -> scheduleRead(request, activationId, deadlineNanos, misses + 1,
                        schedule.next(request.action(), misses + 1), calls, outcome);
                default -> {
                    if (misses >= settings.maxRetries() + 3) {
                        outcome.complete(new CallOutcome.Deferred("cannot read activation " + activationId + ": "
                                + read.message()));
                    } else {
                        scheduleRead(request, activationId, deadlineNanos, misses + 1, backoffMillis(misses + 1), calls,
                                outcome);
                    }
                }
            }
        });
    }

    // ---- results

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
        if (json.length <= settings.inlineResultMaxBytes()) {
            outcome.complete(completed(request, true, null, result, null, null, activation, calls));
            return;
        }
        if (resultStore == null) {
            // Records carry at most the inline limit; with nowhere to put the rest, this answer cannot be kept.
            LOG.warn("Result of {} (activation {}) is {} bytes, above the inline limit of {} bytes, and no object store"
                    + " is configured for larger ones", request.action(), activation.activationId(), json.length,
                    settings.inlineResultMaxBytes());
            outcome.complete(completed(request, false, RESULT_TOO_LARGE, null, null, "the result is " + json.length
                    + " bytes, above deja.result.inline.max.bytes (" + settings.inlineResultMaxBytes()
                    + "), and no object store (deja.s3.endpoint) is configured for larger results", activation, calls));
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

    private CallOutcome.Done completed(InvocationRequest request, boolean success, String failureKind,
            JsonNode result, String resultRef, String error, Activation activation, int calls) {
        return new CallOutcome.Done(new InvocationResult(
                request.dedupKey(),
                request.attempt(),
                success,
                failureKind,
                result,
                resultRef,
                bounded(error),
                activation == null ? null : activation.activationId(),
                activation == null ? null : activation.duration(),
                calls,
                clock.millis(),
                request.entrySinceMs()));
    }

    /** An error text cut to {@link #MAX_ERROR_CHARS}, saying how much was cut. */
    static String bounded(String error) {
        if (error == null || error.length() <= MAX_ERROR_CHARS) {
            return error;
        }
        return error.substring(0, MAX_ERROR_CHARS) + "... (" + (error.length() - MAX_ERROR_CHARS) + " more characters)";
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
