package dev.deja.topology;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Runs slow I/O (HTTP calls, object reads) for a stream task without blocking its thread.
 *
 * <p>Each job is written to a persistent store before it is started, keyed so the same key is
 * never worked on twice at once. A job runs on another thread; its completion is queued and
 * handled on the stream thread (next record or next punctuation), where its output is forwarded
 * and the job deleted in the same transaction. After a restart or a rebalance, every job still in
 * the store is started again: a crash costs at most one repeat per job in flight, never a lost one.
 *
 * <p>A semaphore shared by all tasks of the process bounds the jobs in flight. The stream thread
 * hands a few stored jobs (copies; the store keeps them) to a hand-off queue, and a finishing job
 * passes its permit straight to the next one there, so a freed slot is used at once rather than
 * at the stream thread's next turn.
 */
abstract class AsyncWorkProcessor<J, R, V> implements Processor<String, J, String, V> {

    /** What to do with a job once its work has completed. */
    protected sealed interface Verdict {
    }

    /** The job is finished: delete it. */
    protected record Finished() implements Verdict {
    }

    /** Keep the job and start it again, not before {@code delayMs} from now. */
    protected record Retry(long delayMs) implements Verdict {
    }

    protected static final Verdict FINISHED = new Finished();

    private record Completion<R>(String key, R result, Throwable error) {
    }

    private record Start<J>(String key, J job) {
    }

    private final String storeName;
    private final Semaphore inFlightLimit;
    private final int handoffDepth;
    private final Duration pollInterval;
    private final Queue<Completion<R>> completions = new ConcurrentLinkedQueue<>();
    private final Queue<Start<J>> handoff = new ConcurrentLinkedQueue<>();
    private final Queue<String> ready = new ArrayDeque<>();
    private final Set<String> queued = new HashSet<>();
    private final Set<String> inFlight = new HashSet<>();
    private final Map<String, Long> notBefore = new HashMap<>();
    private boolean closed;
    protected ProcessorContext<String, V> context;
    protected KeyValueStore<String, J> jobs;
    private Pacer pacer;

    AsyncWorkProcessor(String storeName, Semaphore inFlightLimit, Duration pollInterval) {
        this.storeName = storeName;
        this.inFlightLimit = inFlightLimit;
        this.handoffDepth = Math.max(1, inFlightLimit.availablePermits());
        this.pollInterval = pollInterval;
    }

    /**
     * Starts the work of one job and must not block. It runs on the stream thread or on the thread
     * that finished the previous job, so it may touch nothing but thread-safe clients.
     */
    protected abstract CompletableFuture<R> start(String key, J job);

    /** Handles a completed job on the stream thread: forward its output, say whether it is finished. */
    protected abstract Verdict complete(String key, J job, R result, Throwable error, long now);

    /** Whether new work may start now (a circuit breaker says no while it is open); thread-safe. */
    protected boolean admits() {
        return true;
    }

    /** Merges a job into one already stored under its key (default: the stored one stands). */
    protected J merge(J stored, J incoming) {
        return stored;
    }

    @Override
    public void init(ProcessorContext<String, V> context) {
        // Kafka Streams may close and init the same instance again (a revived task): start afresh.
        synchronized (completions) {
            closed = false;
            completions.clear();
            handoff.clear();
        }
        ready.clear();
        queued.clear();
        inFlight.clear();
        notBefore.clear();
        this.context = context;
        this.jobs = context.getStateStore(storeName);
        try (KeyValueIterator<String, J> it = jobs.all()) {
            it.forEachRemaining(kv -> enqueue(kv.key));
        }
        pacer = new Pacer(context, pollInterval, now -> {
            pump(now);
            return !ready.isEmpty() || !inFlight.isEmpty() || !completions.isEmpty() || !handoff.isEmpty();
        });
    }

    @Override
    public void process(Record<String, J> record) {
        if (record.key() == null || record.value() == null) {
            return;
        }
        J stored = jobs.get(record.key());
        jobs.put(record.key(), stored == null ? record.value() : merge(stored, record.value()));
        enqueue(record.key());
        pacer.busy();
        pump(context.currentSystemTimeMs());
    }

    private void enqueue(String key) {
        if (!inFlight.contains(key) && queued.add(key)) {
            ready.add(key);
        }
    }

    /** Handles completions, refills the hand-off queue, and starts jobs while the limit and {@link #admits()} allow. */
    protected final void pump(long now) {
        for (Completion<R> done; (done = completions.poll()) != null; ) {
            inFlight.remove(done.key());
            J job = jobs.get(done.key());
            if (job == null) {
                continue;
            }
            Verdict verdict = complete(done.key(), job, done.result(), done.error(), now);
            if (verdict instanceof Retry retry) {
                notBefore.put(done.key(), now + retry.delayMs());
                enqueue(done.key());
            } else {
                jobs.delete(done.key());
            }
        }
        int waiting = ready.size();
        for (int i = 0; i < waiting && handoff.size() < handoffDepth; i++) {
            String key = ready.poll();
            Long due = notBefore.get(key);
            if (due != null && due > now) {
                ready.add(key);
                continue;
            }
            queued.remove(key);
            notBefore.remove(key);
            J job = jobs.get(key);
            if (job != null) {
                inFlight.add(key);
                handoff.add(new Start<>(key, job));
            }
        }
        while (!handoff.isEmpty() && admits() && inFlightLimit.tryAcquire()) {
            if (!launchNext()) {
                inFlightLimit.release();
            }
        }
    }

    /** Starts the next handed-off job with a permit the caller holds; false when there was none. */
    private boolean launchNext() {
        Start<J> next = handoff.poll();
        if (next == null) {
            return false;
        }
        CompletableFuture<R> work;
        try {
            work = start(next.key(), next.job());
        } catch (RuntimeException e) {
            work = CompletableFuture.failedFuture(e);
        }
        work.whenComplete((result, error) -> finished(new Completion<>(next.key(), result, error)));
        return true;
    }

    /** On the thread that finished a job: queue its completion, then pass the permit on or give it back. */
    private void finished(Completion<R> completion) {
        synchronized (completions) {
            if (closed) {
                inFlightLimit.release();
                return;
            }
            completions.add(completion);
        }
        if (!admits() || !launchNext()) {
            inFlightLimit.release();
        }
    }

    @Override
    public void close() {
        synchronized (completions) {
            closed = true;
            completions.clear();
            handoff.clear();
        }
    }
}
