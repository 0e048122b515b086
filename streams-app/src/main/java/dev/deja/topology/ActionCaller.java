package dev.deja.topology;

import java.util.concurrent.CompletableFuture;

/** Calls actions for the invoker stage; implemented over OpenWhisk's REST API. */
public interface ActionCaller {

    /** Whether a call may be fired now (false while the circuit breaker is open). */
    boolean admits();

    /** Fires one call; never blocks, never completes exceptionally. */
    CompletableFuture<Outcome> call(InvocationRequest request);

    /** How a call ended. */
    sealed interface Outcome {
    }

    /** The call ended, in success or in failure: this result goes back to the dedup table. */
    record Done(InvocationResult result) implements Outcome {
    }

    /** The call could not be made now (OpenWhisk down): keep the request queued and try again. */
    record Deferred(String reason) implements Outcome {
    }
}
