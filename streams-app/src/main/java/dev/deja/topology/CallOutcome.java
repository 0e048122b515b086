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

    /** The call could not be made now (OpenWhisk down, the invoker at its limit or closing): keep the request and try again. */
    record Deferred(String reason) implements CallOutcome {
    }
}
