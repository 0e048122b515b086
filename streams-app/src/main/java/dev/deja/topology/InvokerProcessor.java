package dev.deja.topology;

import dev.deja.model.InvocationRequest;
import dev.deja.model.InvocationResult;
import dev.deja.model.InvokerJob;
import dev.deja.topology.store.CommitHook;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The invoker stage: one {@link InvokerJob} per dedup key in the {@code invoker-requests} store, each call made so
 * that it is repeated only where Deja cannot know whether OpenWhisk accepted it.
 *
 * <ul>
 *   <li>A job is invoked ({@link ActionCaller#call}) without blocking the stream thread, at most the process's
 *       in-flight limit at once (an accepted activation holds its slot until its record is read). When OpenWhisk
 *       accepts it, its activation id is written to the store (committed with the task's next commit): from then on the job
 *       is only ever read ({@link ActionCaller#await}), by this task or by whoever owns it after a crash or a
 *       rebalance.</li>
 *   <li>The result is forwarded to the results topic, labelled with the job's request (entry and attempt); the job stays as a small
 *       finished marker for {@code finishedRetention}, so a request re-sent for the same attempt (the dedup
 *       table's pending timeout) is answered again by reading the activation, never by a second invocation. A
 *       newer attempt while the call runs is folded onto it; a finished one starts a new call (a retry after a
 *       failure); an older one is ignored.</li>
 *   <li>Invocations start on the stream thread, or, for a call the stream thread set aside for want of a slot, on
 *       the thread whose call just freed one (at once, not at the stream thread's next turn), but only between the
 *       task's pump and its next commit's hook: Kafka Streams flushes (so hooks) only a task that processed or
 *       punctuated since its last commit, so every call starts while a hooked commit is due. Before every commit ({@link CommitHook}) the invocations on the
 *       wire, and any such start under way, are awaited (non-blocking ones always, {@link ActionCaller#sending()}: OpenWhisk answers them in
 *       milliseconds; blocking calls while the process drains, {@link ActionCaller#draining()}), up to {@code
 *       drainTimeout}, and every completion is
 *       written to the store. So each commit, including a revoked or closing task's, carries the activation id of
 *       every invocation the task started. Reads in flight are simply left: the next owner reads again.</li>
 *   <li>A task revived in this process finds its calls still running through the caller (same request, same
 *       call), not by firing them again.</li>
 * </ul>
 */
final class InvokerProcessor implements Processor<String, InvocationRequest, String, InvocationResult> {

    private static final Logger LOG = LoggerFactory.getLogger(InvokerProcessor.class);
    private static final long DEFERRED_DELAY_MS = 100;
    private static final int PURGE_BATCH = 1_000;
    /** How long a commit waits for quick invocations in flight outside a drain. */
    private static final Duration QUICK_WAIT = Duration.ofSeconds(2);

    private enum Phase { CALL, AWAIT }

    private record Completion(String key, Phase phase, CallOutcome outcome) {
    }

    /** A job set aside for the next free slot: whichever thread frees one starts it. */
    private record Staged(String key, InvokerJob job) {
    }

    private final ActionCaller caller;
    private final Semaphore inFlightLimit;
    private final Duration pollInterval;
    private final Duration drainTimeout;
    private final long finishedRetentionMs;
    private final TopologyMetrics metrics;
    /** Jobs set aside per task for the next free slot: as many as the process has slots. */
    private final int handoffDepth;

    private final Queue<Completion> completions = new ConcurrentLinkedQueue<>();
    /** Invocations (not reads) started and not answered yet: what a drain waits for. */
    private final AtomicInteger invoking = new AtomicInteger();
    private final Object lock = new Object();
    /** Calls waiting for a free slot, started by the thread that frees one (guarded by {@code lock}). */
    private final ArrayDeque<Staged> handoff = new ArrayDeque<>();
    /** Hand-offs between taking a staged call and the caller counting it as sending (guarded by {@code lock}). */
    private int launching;
    /**
     * True from the task's pump (or a record) until the hook of its next commit (guarded by {@code lock}): Kafka
     * Streams flushes, and so hooks, at a commit only a task that processed or punctuated since the last one, so a
     * freed slot starts a set-aside call only then, and that call is in the commit.
     */
    private boolean commitDue;
    private final ArrayDeque<String> ready = new ArrayDeque<>();
    private final Set<String> queued = new HashSet<>();
    private final Set<String> inFlight = new HashSet<>();
    /** Jobs accepted by OpenWhisk whose slot is kept for their read. */
    private final Set<String> holding = new HashSet<>();
    private final Map<String, Long> notBefore = new HashMap<>();
    private final Set<String> toForward = new LinkedHashSet<>();
    private boolean closed = true;
    private String purgeFrom;
    private long lastPurgeMs;
    private long sweepStartedMs;
    private ProcessorContext<String, InvocationResult> context;
    private KeyValueStore<String, InvokerJob> jobs;
    private Pacer pacer;

    InvokerProcessor(ActionCaller caller, Semaphore inFlightLimit, Duration pollInterval, Duration drainTimeout,
            Duration finishedRetention, TopologyMetrics metrics) {
        this.caller = caller;
        this.inFlightLimit = inFlightLimit;
        this.pollInterval = pollInterval;
        this.drainTimeout = drainTimeout;
        this.finishedRetentionMs = finishedRetention.toMillis();
        this.metrics = metrics;
        this.handoffDepth = Math.max(1, inFlightLimit.availablePermits());
    }

    @Override
    public void init(ProcessorContext<String, InvocationResult> context) {
        // Kafka Streams may close and init the same instance again (a revived task): start afresh from the store;
        // calls still running in this process are found again through the caller.
        synchronized (lock) {
            closed = false;
            commitDue = false;
            completions.clear();
            handoff.clear();
        }
        ready.clear();
        queued.clear();
        inFlight.clear();
        holding.clear();
        notBefore.clear();
        toForward.clear();
        purgeFrom = null;
        this.context = context;
        this.jobs = context.getStateStore(DejaTopology.INVOKER_REQUESTS_STORE);
        CommitHook hook = context.getStateStore(DejaTopology.INVOKER_COMMIT_HOOK_STORE);
        hook.onCommit(this::beforeCommit);
        try (KeyValueIterator<String, InvokerJob> it = jobs.all()) {
            while (it.hasNext()) {
                KeyValue<String, InvokerJob> job = it.next();
                if (job.value.result() != null && !job.value.finished()) {
                    toForward.add(job.key);
                } else if (!job.value.finished()) {
                    enqueue(job.key, false);
                }
            }
        }
        // The first sweep for expired finished markers starts with the first pump (no store writes in init).
        sweepStartedMs = Long.MIN_VALUE / 2;
        lastPurgeMs = Long.MIN_VALUE / 2;
        pacer = new Pacer(context, pollInterval, now -> {
            pump(now);
            return busy();
        });
    }

    /** Whether anything is queued, running, held for a read or to be forwarded, or a sweep is under way. */
    private boolean busy() {
        synchronized (lock) {
            if (!handoff.isEmpty() || !completions.isEmpty()) {
                return true;
            }
        }
        return !ready.isEmpty() || !inFlight.isEmpty() || !holding.isEmpty() || !toForward.isEmpty() || purgeFrom != null;
    }

    @Override
    public void process(Record<String, InvocationRequest> record) {
        InvocationRequest request = record.value();
        if (record.key() == null || request == null) {
            return;
        }
        String key = record.key();
        long now = context.currentSystemTimeMs();
        InvokerJob stored = jobs.get(key);
        int order = stored == null ? 1 : InvocationRequest.order(request, stored.request());
        if (order < 0) {
            LOG.debug("request of attempt {} for {} is older than attempt {}: ignored", request.attempt(), key,
                    stored.attempt());
        } else if (stored != null && !stored.finished()) {
            if (order > 0) {
                // Folded onto the call that runs or waits: its answer is this attempt's.
                jobs.put(key, stored.withRequest(request));
            }
        } else if (order == 0 && stored.activationId() != null) {
            LOG.info("request for {} re-sent (attempt {}): reading activation {} again", key, request.attempt(),
                    stored.activationId());
            jobs.put(key, new InvokerJob(request, stored.activationId(), null, 0));
            enqueue(key, false);
        } else if (order == 0 && stored.result() != null) {
            LOG.info("request for {} re-sent (attempt {}): sending its failure again", key, request.attempt());
            jobs.put(key, new InvokerJob(request, null, stored.result(), 0));
            toForward.add(key);
        } else {
            // New, newer than a finished call (a retry after a failure), or re-sent for a call that left no trace.
            jobs.put(key, InvokerJob.of(request));
            enqueue(key, false);
        }
        pacer.busy();
        pump(now);
    }

    private void enqueue(String key, boolean first) {
        if (!inFlight.contains(key) && queued.add(key)) {
            if (first) {
                ready.addFirst(key);
            } else {
                ready.add(key);
            }
        }
    }

    /**
     * On the stream thread just before a commit: wait (bounded) until no invocation is on the wire (blocking
     * calls: only while draining), then write every completion to the store, so the commit carries it.
     */
    private void beforeCommit() {
        if (closed) {
            return;
        }
        synchronized (lock) {
            commitDue = false; // no hand-off from here until the next pump: this commit is the one that is due
        }
        // Every invocation starts while the task needs a commit (on the stream thread, or on the thread of a freed slot
        // between a pump and this hook), and quick ones (OpenWhisk
        // answers a non-blocking invocation in milliseconds) are always awaited here: whenever the task commits, the
        // activation id of every invocation it started is in the commit, whether the task runs on, is revoked or
        // shuts down. Blocking calls are awaited only while the process drains.
        boolean draining = caller.draining();
        boolean quick = caller.acceptsAtOnce();
        if (unanswered(quick, draining)) {
            Duration bound = draining || QUICK_WAIT.compareTo(drainTimeout) > 0 ? drainTimeout : QUICK_WAIT;
            long deadline = System.nanoTime() + bound.toNanos();
            synchronized (lock) {
                while (unanswered(quick, draining) && System.nanoTime() - deadline < 0) {
                    try {
                        lock.wait(1);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
            int left = quick ? caller.sending() : invoking.get();
            if (left > 0) {
                LOG.warn("{} invocation(s) still unanswered after {} at a commit{}: whoever owns them next may invoke them"
                        + " again", left, bound, draining ? " (draining)" : "");
            }
        }
        applyCompletions(context.currentSystemTimeMs());
    }

    /**
     * Whether a commit must wait: an invocation on the wire (non-blocking ones always; blocking ones while
     * draining), or one a freed slot is starting on another thread right now.
     */
    private boolean unanswered(boolean quick, boolean draining) {
        synchronized (lock) {
            return launching > 0 || (quick ? caller.sending() > 0 : draining && invoking.get() > 0);
        }
    }

    /** Applies completions, forwards known answers, purges old markers, and starts jobs while the limit allows. */
    private void pump(long now) {
        synchronized (lock) {
            commitDue = true;
        }
        applyCompletions(now);
        forwardAnswers(now);
        purge(now);
        launchStaged();
        int waiting = ready.size();
        for (int i = 0; i < waiting; i++) {
            String key = ready.poll();
            Long due = notBefore.get(key);
            if (due != null && due > now) {
                ready.add(key);
                continue;
            }
            InvokerJob job = jobs.get(key);
            if (job == null || job.finished() || job.result() != null) {
                queued.remove(key);
                notBefore.remove(key);
                release(key);
                continue;
            }
            Phase phase = job.activationId() == null ? Phase.CALL : Phase.AWAIT;
            boolean held = holding.contains(key);
            // Reads of accepted activations go on while new invocations are not admitted (breaker, drain).
            if (!held && phase == Phase.CALL && !caller.admits()) {
                ready.add(key);
                continue;
            }
            if (!held && !inFlightLimit.tryAcquire()) {
                if (phase == Phase.CALL && stage(key, job)) {
                    continue;
                }
                ready.addFirst(key);
                break;
            }
            holding.remove(key);
            queued.remove(key);
            notBefore.remove(key);
            inFlight.add(key);
            launch(key, phase, job);
        }
    }

    /** Sets a call aside for the next slot any thread frees; false when enough are set aside. */
    private boolean stage(String key, InvokerJob job) {
        synchronized (lock) {
            if (handoff.size() >= handoffDepth) {
                return false;
            }
            handoff.add(new Staged(key, job));
        }
        queued.remove(key);
        notBefore.remove(key);
        inFlight.add(key);
        return true;
    }

    /** Starts calls set aside, on the stream thread, while slots are free. */
    private void launchStaged() {
        while (caller.admits()) {
            Staged next;
            synchronized (lock) {
                next = handoff.peek();
                if (next == null || !inFlightLimit.tryAcquire()) {
                    return;
                }
                handoff.poll();
            }
            launch(next.key(), Phase.CALL, next.job());
        }
    }

    private void release(String key) {
        if (holding.remove(key)) {
            inFlightLimit.release();
        }
    }

    /**
     * Starts a job's call or read: on the stream thread, from {@code process} or a punctuation, or a set-aside call
     * on the thread that freed its slot ({@link #finished}) while a commit is due; either way that commit's hook
     * sees the invocation in flight.
     */
    private void launch(String key, Phase phase, InvokerJob job) {
        CompletableFuture<CallOutcome> work;
        if (phase == Phase.CALL) {
            invoking.incrementAndGet();
        }
        try {
            work = phase == Phase.CALL ? caller.call(job.request()) : caller.await(job.request(), job.activationId());
        } catch (RuntimeException e) {
            work = CompletableFuture.completedFuture(new CallOutcome.Deferred(String.valueOf(e)));
        }
        work.whenComplete((outcome, error) -> finished(new Completion(key, phase,
                outcome != null ? outcome : new CallOutcome.Deferred(String.valueOf(error)))));
    }

    /**
     * On the thread that finished a call: queue its completion, and keep its slot for the read, pass it to a call
     * set aside (started here, at once, not at the stream thread's next turn, if the task pumped since its last
     * commit's hook) or give it back. A call started here is counted ({@code launching}) until the caller counts it
     * as sending, so a commit's hook that finds neither waits for it; while the process drains the caller admits
     * none.
     */
    private void finished(Completion completion) {
        boolean keepSlot = completion.outcome() instanceof CallOutcome.Accepted;
        Staged next = null;
        synchronized (lock) {
            if (completion.phase() == Phase.CALL) {
                invoking.decrementAndGet();
            }
            if (closed) {
                inFlightLimit.release();
                lock.notifyAll();
                return;
            }
            completions.add(completion);
            if (!keepSlot && commitDue && !handoff.isEmpty() && caller.admits()) {
                next = handoff.poll();
                launching++;
            }
            lock.notifyAll();
        }
        if (next != null) {
            try {
                launch(next.key(), Phase.CALL, next.job());
            } finally {
                synchronized (lock) {
                    launching--;
                    lock.notifyAll();
                }
            }
        } else if (!keepSlot) {
            inFlightLimit.release();
        }
    }

    /** Writes each completion to the job store (stream thread only). */
    private void applyCompletions(long now) {
        for (Completion done; (done = completions.poll()) != null; ) {
            String key = done.key();
            inFlight.remove(key);
            InvokerJob job = jobs.get(key);
            if (job == null || job.finished()) {
                if (done.outcome() instanceof CallOutcome.Accepted) {
                    inFlightLimit.release();
                }
                continue;
            }
            CallOutcome outcome = done.outcome();
            if (outcome instanceof CallOutcome.Accepted accepted) {
                jobs.put(key, job.accepted(accepted.activationId()));
                holding.add(key); // the slot stays with the job for its read
                enqueue(key, true);
            } else if (outcome instanceof CallOutcome.Done answer) {
                jobs.put(key, job.settled(answer.result())); // labelled with the job's request when forwarded
                toForward.add(key);
            } else {
                LOG.debug("call for {} deferred: {}", key, ((CallOutcome.Deferred) outcome).reason());
                notBefore.put(key, now + DEFERRED_DELAY_MS);
                enqueue(key, false);
            }
        }
    }

    /** Sends each known answer to the results topic and keeps the job as a finished marker. */
    private void forwardAnswers(long now) {
        if (toForward.isEmpty()) {
            return;
        }
        List<String> keys = new ArrayList<>(toForward);
        toForward.clear();
        for (String key : keys) {
            InvokerJob job = jobs.get(key);
            if (job == null || job.result() == null || job.finished()) {
                continue;
            }
            InvocationResult result = job.result().answering(job.request());
            metrics.called(Duration.ofMillis(Math.max(0, now - job.request().requestedAtMs())), result.calls(),
                    result.success() ? null : result.failureKind());
            context.forward(new Record<>(key, result, now));
            jobs.put(key, job.sent(now));
        }
    }

    /**
     * Deletes finished markers older than the retention. A sweep reads the store in bounded batches, one a second;
     * the first starts with the task, the next a quarter of the retention after the last one began (at most once a
     * second): reading every marker (each a JSON value) once a second cost the idle invoker more than all else it
     * does. A marker so lives between the retention and a quarter more, plus the sweep's length.
     */
    private void purge(long now) {
        if (now - lastPurgeMs < 1_000
                || purgeFrom == null && now - sweepStartedMs < Math.max(1_000, finishedRetentionMs / 4)) {
            return;
        }
        lastPurgeMs = now;
        if (purgeFrom == null) {
            sweepStartedMs = now;
        }
        List<String> expired = new ArrayList<>();
        String last = null;
        int seen = 0;
        try (KeyValueIterator<String, InvokerJob> it = purgeFrom == null ? jobs.all() : jobs.range(purgeFrom, null)) {
            while (it.hasNext() && seen < PURGE_BATCH) {
                KeyValue<String, InvokerJob> job = it.next();
                seen++;
                last = job.key;
                if (expired(job.value, now)) {
                    expired.add(job.key);
                }
            }
            purgeFrom = it.hasNext() ? last + '\u0000' : null;
        }
        expired.forEach(jobs::delete);
    }

    private boolean expired(InvokerJob job, long now) {
        return job.finished() && now - job.finishedAtMs() > finishedRetentionMs;
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            for (Completion done : completions) {
                if (done.outcome() instanceof CallOutcome.Accepted) {
                    inFlightLimit.release();
                }
            }
            completions.clear();
            handoff.clear();
            lock.notifyAll();
        }
        for (String key : holding) {
            inFlightLimit.release();
        }
        holding.clear();
    }
}
