package dev.deja.topology;

import dev.deja.model.InvocationRequest;
import dev.deja.model.InvocationResult;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The invoker stage: persists each invocation request, calls the action without blocking the
 * stream thread (at most the process's in-flight limit at once, never the same dedup key twice),
 * and forwards each result to the results topic from the stream thread. While the circuit breaker
 * is open, requests stay queued in the store and are fired when it lets calls through again.
 */
final class InvokerProcessor extends AsyncWorkProcessor<InvocationRequest, CallOutcome, InvocationResult> {

    private static final Logger LOG = LoggerFactory.getLogger(InvokerProcessor.class);

    private final ActionCaller caller;
    private final TopologyMetrics metrics;

    InvokerProcessor(ActionCaller caller, Semaphore limit, Duration pollInterval, TopologyMetrics metrics) {
        super(DejaTopology.INVOKER_REQUESTS_STORE, limit, pollInterval);
        this.caller = caller;
        this.metrics = metrics;
    }

    @Override
    protected boolean admits() {
        return caller.admits();
    }

    /** A re-issued request (a later attempt) replaces a queued one; the call in flight, if any, stands. */
    @Override
    protected InvocationRequest merge(InvocationRequest stored, InvocationRequest incoming) {
        return incoming.attempt() > stored.attempt() ? incoming : stored;
    }

    @Override
    protected CompletableFuture<CallOutcome> start(String key, InvocationRequest request) {
        return caller.call(request);
    }

    @Override
    protected Verdict complete(String key, InvocationRequest request, CallOutcome outcome, Throwable error, long now) {
        if (outcome instanceof CallOutcome.Done done) {
            InvocationResult result = done.result();
            metrics.called(Duration.ofMillis(Math.max(0, now - request.requestedAtMs())), result.calls(),
                    result.success() ? null : result.failureKind());
            context.forward(new Record<>(key, done.result(), now));
            return FINISHED;
        }
        String reason = outcome instanceof CallOutcome.Deferred deferred ? deferred.reason() : String.valueOf(error);
        LOG.debug("call for {} deferred: {}", key, reason);
        return new Retry(0);
    }
}
