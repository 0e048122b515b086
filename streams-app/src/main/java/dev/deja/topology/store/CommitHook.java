package dev.deja.topology.store;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * A state store that holds nothing: it runs its processor's {@link #onCommit(Runnable) hook} on the stream thread
 * just before Kafka Streams commits the task, including the commit of a task being revoked or shut down (which
 * comes before the processors' {@code close()}). What the hook writes to other stores of the task is in that commit.
 *
 * <p>It relies on Kafka Streams calling {@code CachedStateStore.flushCache()} on every store before a commit (as
 * for its own record caches). {@code CachedStateStore} is internal to Kafka Streams; {@code
 * InvokerTopologyTest} (the drain before a commit) fails if a new version stops calling it.
 */
public final class CommitHook implements StateStore, CachedStateStore<Object, Object> {

    private final String name;
    private volatile Runnable hook = () -> { };
    private boolean open;

    private CommitHook(String name) {
        this.name = name;
    }

    /** A builder of the hook store {@code name} (never logged, never cached: there is nothing in it). */
    public static StoreBuilder<CommitHook> builder(String name) {
        return new Builder(name);
    }

    /** Sets what runs before each commit of the task. */
    public void onCommit(Runnable hook) {
        this.hook = hook;
    }

    @Override
    public void flushCache() {
        hook.run();
    }

    @Override
    public void clearCache() {
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<Object, Object> listener, boolean sendOldValues) {
        return false;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        context.register(root, (key, value) -> { });
        open = true;
    }

    @Override
    @SuppressWarnings("deprecation")
    public void flush() {
    }

    @Override
    public void commit(Map<TopicPartition, Long> changelogOffsets) {
    }

    @Override
    public Long committedOffset(TopicPartition partition) {
        return null;
    }

    @Override
    @SuppressWarnings("deprecation")
    public boolean managesOffsets() {
        return false;
    }

    @Override
    public void close() {
        hook = () -> { };
        open = false;
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public Position getPosition() {
        return Position.emptyPosition();
    }

    private static final class Builder implements StoreBuilder<CommitHook> {
        private final String name;

        Builder(String name) {
            this.name = name;
        }

        @Override
        public StoreBuilder<CommitHook> withCachingEnabled() {
            return this;
        }

        @Override
        public StoreBuilder<CommitHook> withCachingDisabled() {
            return this;
        }

        @Override
        public StoreBuilder<CommitHook> withLoggingEnabled(Map<String, String> config) {
            return this;
        }

        @Override
        public StoreBuilder<CommitHook> withLoggingDisabled() {
            return this;
        }

        @Override
        public CommitHook build() {
            return new CommitHook(name);
        }

        @Override
        public Map<String, String> logConfig() {
            return Map.of();
        }

        @Override
        public boolean loggingEnabled() {
            return false;
        }

        @Override
        public String name() {
            return name;
        }
    }
}
