package dev.deja.invoke;

import dev.deja.topology.InvocationResult;
import java.util.Objects;

/** How {@link Invoker#invoke} ended: a result to publish, or a request to keep queued and fire again later. */
public sealed interface InvokeOutcome {

    /** The request has an answer (success or a failure that is not worth retrying now). */
    record Completed(InvocationResult result) implements InvokeOutcome {
        public Completed {
            Objects.requireNonNull(result, "result");
        }
    }

    /**
     * No answer: OpenWhisk is considered down (circuit breaker open), the invoker is at its in-flight limit
     * or closing. The caller keeps the request and fires it again later.
     */
    record Deferred(String reason) implements InvokeOutcome {
    }
}
