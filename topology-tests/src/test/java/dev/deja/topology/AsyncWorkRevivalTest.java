package dev.deja.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deja.model.InvocationRequest;
import dev.deja.model.InvocationResult;
import dev.deja.model.InvokerJob;
import dev.deja.ops.DejaMetrics;
import dev.deja.serde.Json;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/** Kafka Streams can close a processor and init the same instance again when it revives a task. */
class AsyncWorkRevivalTest {

    @Test
    void shouldCallAndForwardAgainWhenTheSameInstanceIsInitialisedAfterClose() {
        // given
        List<String> calls = new CopyOnWriteArrayList<>();
        ActionCaller caller = new ActionCaller() {
            @Override
            public boolean admits() {
                return true;
            }

            @Override
            public CompletableFuture<CallOutcome> call(InvocationRequest request) {
                calls.add(request.dedupKey());
                return CompletableFuture.completedFuture(new CallOutcome.Done(new InvocationResult(request.dedupKey(), 1, true, null,
                        Json.parse("{\"ok\":1}"), null, null, "a1", 5L, 1, 0L, 0L)));
            }

            @Override
            public CompletableFuture<CallOutcome> await(InvocationRequest request, String activationId) {
                throw new AssertionError("no read expected");
            }
        };
        Semaphore limit = new Semaphore(2);
        InvokerProcessor processor = new InvokerProcessor(caller, limit, Duration.ofMillis(20), Duration.ofSeconds(1),
                Duration.ofHours(1), DejaMetrics.discarding());
        InvokerTaskContext task = new InvokerTaskContext();
        MockProcessorContext<String, InvocationResult> context = task.context;
        KeyValueStore<String, InvokerJob> store = task.jobs;

        // when: closed and initialised again, as a revived task is
        processor.init(context);
        processor.close();
        processor.init(context);
        processor.process(new Record<>("k", new InvocationRequest("k", "thumbnail", "1", Json.object(), 1, 0L, 0L), 0L));
        processor.process(new Record<>("k2", new InvocationRequest("k2", "thumbnail", "1", Json.object(), 1, 0L, 0L), 0L));

        // then: it still calls, forwards each result, and gives its permits back
        assertThat(calls).containsExactly("k", "k2");
        List<String> forwarded = context.forwarded().stream().map(f -> (String) f.record().key()).toList();
        assertThat(forwarded).containsExactly("k");
        assertThat(store.get("k").finished()).as("kept as a finished marker").isTrue();
        assertThat(limit.availablePermits()).isEqualTo(2);
    }
}
