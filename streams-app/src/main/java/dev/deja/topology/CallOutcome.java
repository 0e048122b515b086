package dev.deja.topology;

import dev.deja.model.InvocationResult;
import java.util.Objects;

/** How one call of an {@link ActionCaller} ended: the one outcome type from the invoker to the topology. */
public sealed interface CallOutcome {

    /** The call ended, in success or in failure: this result goes back to the dedup table. */
    record Done(InvocationResult result) implements CallOutcome {
        public Done {
            Objects.requireNonNull(result, "result");
        }
    }

    /**
     * OpenWhisk accepted the invocation as activation {@code activationId}: record the id, then
     * {@link ActionCaller#await} it. {@code calls} is the HTTP calls it took.
     */
    record Accepted(String activationId, int calls) implements CallOutcome {
        public Accepted {
            Objects.requireNonNull(activationId, "activationId");
        }
    }

    /** The call could not be made now (OpenWhisk down, the invoker at its limit or draining): keep the request and try again. */
    record Deferred(String reason) implements CallOutcome {
    }
}
