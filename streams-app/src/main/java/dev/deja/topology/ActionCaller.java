package dev.deja.topology;

import dev.deja.model.InvocationRequest;
import java.util.concurrent.CompletableFuture;

/**
 * Calls actions for the invoker stage; implemented over OpenWhisk's REST API by {@code dev.deja.invoke.Invoker}.
 * Futures never block the caller and never complete exceptionally.
 */
public interface ActionCaller {

    /** Whether a call may be fired now (false while the circuit breaker is open or the process drains). */
    boolean admits();

    /**
     * True while the process hands tasks over (a rebalance or a shutdown): no new invocation starts, and a task
     * about to be committed waits for its invocations in flight to be answered.
     */
    default boolean draining() {
        return false;
    }

    /**
     * True when OpenWhisk answers an invocation as soon as it takes it (non-blocking: 202 with the activation id in
     * milliseconds): then every commit of an invoker task waits until no invocation is {@link #sending()}.
     */
    default boolean acceptsAtOnce() {
        return false;
    }

    /**
     * Invocations sent whose answer has not come yet (a retry waiting for its backoff is not sending: OpenWhisk
     * refused the attempt before it).
     */
    default int sending() {
        return 0;
    }

    /**
     * Invokes the request's action: {@link CallOutcome.Accepted} once OpenWhisk took it (then {@link #await} it),
     * {@link CallOutcome.Done} when the call itself brought the answer, {@link CallOutcome.Deferred} when it was not
     * made. The same request called again while its call runs gets that call's outcome.
     */
    CompletableFuture<CallOutcome> call(InvocationRequest request);

    /** Waits for activation {@code activationId} of {@code request}: never invokes; {@code Done} or {@code Deferred}. */
    CompletableFuture<CallOutcome> await(InvocationRequest request, String activationId);
}
