package dev.deja.topology;

import dev.deja.model.InvocationRequest;
import java.util.concurrent.CompletableFuture;

/** Calls actions for the invoker stage; implemented over OpenWhisk's REST API by {@code dev.deja.invoke.Invoker}. */
public interface ActionCaller {

    /** Whether a call may be fired now (false while the circuit breaker is open). */
    boolean admits();

    /** Fires one call; never blocks, never completes exceptionally. */
    CompletableFuture<CallOutcome> call(InvocationRequest request);
}
