package dev.deja.topology;

import dev.deja.model.InvocationResult;
import dev.deja.model.InvokerJob;
import dev.deja.serde.JsonSerde;
import dev.deja.topology.store.CommitHook;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * One invoker task's context without a test driver (which commits after every step, where a task commits once per
 * interval): a mock context holding the task's job store and commit hook.
 */
final class InvokerTaskContext {

    final MockProcessorContext<String, InvocationResult> context = new MockProcessorContext<>();
    final KeyValueStore<String, InvokerJob> jobs = Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(DejaTopology.INVOKER_REQUESTS_STORE), Serdes.String(),
            JsonSerde.of(InvokerJob.class)).withLoggingDisabled().build();
    /** {@code hook.flushCache()} is what Kafka Streams does just before it commits the task. */
    final CommitHook hook = CommitHook.builder(DejaTopology.INVOKER_COMMIT_HOOK_STORE).build();

    InvokerTaskContext() {
        context.setCurrentSystemTimeMs(0L);
        jobs.init(context.getStateStoreContext(), jobs);
        context.addStateStore(jobs);
        hook.init(context.getStateStoreContext(), hook);
        context.addStateStore(hook);
    }
}
