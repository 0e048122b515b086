package dev.deja.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deja.config.DejaConfig;
import dev.deja.model.InvocationRequest;
import dev.deja.model.InvocationResult;
import dev.deja.model.InvokerJob;
import dev.deja.ops.DejaMetrics;
import dev.deja.serde.Json;
import dev.deja.serde.JsonSerde;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class InvokerTopologyTest {

    private static final int LIMIT = 3;

    /** A caller whose calls and reads end when the test says so. */
    private final class ScriptedCaller implements ActionCaller {
        final Map<String, CompletableFuture<CallOutcome>> running = new ConcurrentHashMap<>();
        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<String> reads = new CopyOnWriteArrayList<>();
        final AtomicBoolean open = new AtomicBoolean(true);
        final AtomicBoolean draining = new AtomicBoolean(false);
        final AtomicBoolean quick = new AtomicBoolean(false);
        final AtomicInteger maxRunning = new AtomicInteger();

        @Override
        public boolean admits() {
            return open.get() && !draining.get();
        }

        @Override
        public CompletableFuture<CallOutcome> call(InvocationRequest request) {
            CompletableFuture<CallOutcome> future = new CompletableFuture<>();
            running.put(request.dedupKey(), future);
            calls.add(request.dedupKey());
            maxRunning.accumulateAndGet((int) running.values().stream().filter(f -> !f.isDone()).count(), Math::max);
            return future;
        }

        @Override
        public boolean acceptsAtOnce() {
            return quick.get();
        }

        @Override
        public int sending() {
            return (int) calls.stream().map(running::get).filter(f -> f != null && !f.isDone()).count();
        }

        @Override
        public boolean draining() {
            return draining.get();
        }

        @Override
        public CompletableFuture<CallOutcome> await(InvocationRequest request, String activationId) {
            CompletableFuture<CallOutcome> future = new CompletableFuture<>();
            running.put(request.dedupKey(), future);
            reads.add(activationId);
            return future;
        }

        void accept(String key) {
            running.get(key).complete(new CallOutcome.Accepted("act-" + key, 1));
        }

        void succeed(String key) {
            running.get(key).complete(new CallOutcome.Done(new InvocationResult(key, 1, true, null, Json.parse("{\"ok\":1}"), null,
                    null, "act-" + key, 50L, 1, 0L, 0L)));
        }
    }

    private final ScriptedCaller caller = new ScriptedCaller();
    private TopologyTestDriver driver;
    private TestInputTopic<String, InvocationRequest> requests;
    private TestOutputTopic<String, InvocationResult> results;
    private Instant now = Instant.parse("2026-11-23T10:00:00Z");

    @BeforeEach
    void start() throws Exception {
        start(Map.of());
    }

    private void start(Map<String, String> settings) throws Exception {
        Map<String, String> all = new HashMap<>(Map.of("bootstrap.servers", "test:9092", "deja.rules", "thumbs",
                "deja.rule.thumbs.action", "thumbnail", "state.dir", Files.createTempDirectory("deja-ttd").toString()));
        all.putAll(settings);
        DejaConfig config = DejaConfig.load(null, Map.of(), all);
        driver = new TopologyTestDriver(DejaTopology.buildInvoker(config, caller, new Semaphore(LIMIT), DejaMetrics.discarding()),
                DejaTopology.properties(config, "deja-test-invoker"), now);
        requests = driver.createInputTopic("deja-invocations", Serdes.String().serializer(),
                JsonSerde.of(InvocationRequest.class).serializer());
        results = driver.createOutputTopic("deja-invocation-results", Serdes.String().deserializer(),
                JsonSerde.of(InvocationResult.class).deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private void request(String key, int attempt) {
        request(key, attempt, 1L);
    }

    private void request(String key, int attempt, long entrySinceMs) {
        requests.pipeInput(key, new InvocationRequest(key, "thumbnail", "0.0.3", Json.object(), attempt, 0L, entrySinceMs), now);
    }

    private void tick() {
        now = now.plusMillis(20);
        driver.advanceWallClockTime(Duration.ofMillis(20));
    }

    @Test
    void shouldNeverRunMoreCallsThanTheLimitWhenRequestsPileUp() {
        // given
        for (int i = 0; i < 10; i++) {
            request("k" + i, 1);
        }
        assertThat(caller.calls).hasSize(LIMIT);

        // when: calls end one by one
        for (int i = 0; i < 10; i++) {
            caller.succeed(caller.calls.get(i));
            tick();
        }

        // then
        assertThat(caller.calls).hasSize(10).doesNotHaveDuplicates();
        assertThat(caller.maxRunning.get()).isLessThanOrEqualTo(LIMIT);
        assertThat(results.readKeyValuesToList()).hasSize(10);
        assertThat(unfinishedJobs()).isZero();
    }

    @Test
    void shouldHandAFreedSlotToACallSetAsideAtOnceButOnlyWhileACommitOfTheTaskIsDue() {
        // given: a task's invoker over its own stores (the test driver commits after every step, a task does not)
        InvokerTaskContext task = new InvokerTaskContext();
        MockProcessorContext<String, InvocationResult> context = task.context;
        InvokerProcessor invoker = new InvokerProcessor(caller, new Semaphore(LIMIT), Duration.ofMillis(5),
                Duration.ofSeconds(1), Duration.ofHours(1), DejaMetrics.discarding());
        invoker.init(context);
        for (int i = 0; i < LIMIT + 2; i++) {
            invoker.process(new Record<>("k" + i, new InvocationRequest("k" + i, "thumbnail", "0.0.3", Json.object(), 1,
                    0L, 1L), 0L));
        }
        assertThat(caller.calls).hasSize(LIMIT);

        // when: a call ends on the caller's thread after the task's last pump, before its next commit
        caller.succeed("k0");

        // then: the freed slot went straight to the next request, without waiting for the stream thread
        assertThat(caller.calls).containsExactly("k0", "k1", "k2", "k3");
        assertThat(caller.maxRunning.get()).isEqualTo(LIMIT);

        // when: the commit's hook ran, and a call ends before the task's next pump
        task.hook.flushCache();
        caller.succeed("k1");

        // then: no call starts until the task pumps again (a commit not due might never carry its activation id)
        assertThat(caller.calls).hasSize(4);
        context.scheduledPunctuators().get(0).getPunctuator().punctuate(5L);
        assertThat(caller.calls).containsExactly("k0", "k1", "k2", "k3", "k4");
        invoker.close();
    }

    @Test
    void shouldStartNoCallSetAsideWhileTheProcessDrainsAndStartItWhenItRunsAgain() {
        // given
        for (int i = 0; i < LIMIT + 1; i++) {
            request("k" + i, 1);
        }
        caller.draining.set(true);

        // when
        caller.succeed("k0");
        tick();

        // then: no new invocation while tasks move, not from the freed slot nor from the stream thread
        assertThat(caller.calls).containsExactly("k0", "k1", "k2");
        caller.draining.set(false);
        tick();
        assertThat(caller.calls).containsExactly("k0", "k1", "k2", "k3");
    }

    private long unfinishedJobs() {
        KeyValueStore<String, InvokerJob> jobs = driver.getKeyValueStore(DejaTopology.INVOKER_REQUESTS_STORE);
        try (KeyValueIterator<String, InvokerJob> all = jobs.all()) {
            long unfinished = 0;
            while (all.hasNext()) {
                unfinished += all.next().value.finished() ? 0 : 1;
            }
            return unfinished;
        }
    }

    @Test
    void shouldNotCallTwiceWhenARequestIsReissuedWhileItsCallIsInFlight() {
        request("k", 1);
        request("k", 2);
        tick();

        assertThat(caller.calls).containsExactly("k");
        caller.succeed("k");
        tick();
        assertThat(results.readValuesToList()).singleElement().satisfies(r -> {
            assertThat(r.activationId()).isEqualTo("act-k");
            assertThat(r.attempt()).as("the answer of the newer attempt folded onto the call").isEqualTo(2);
        });
        assertThat(caller.calls).containsExactly("k");
    }

    @Test
    void shouldRecordTheActivationIdAndOnlyReadItOnceOpenWhiskAcceptedTheCall() {
        // given
        request("k", 1);

        // when
        caller.accept("k");
        tick();

        // then
        KeyValueStore<String, InvokerJob> jobs = driver.getKeyValueStore(DejaTopology.INVOKER_REQUESTS_STORE);
        assertThat(jobs.get("k").activationId()).isEqualTo("act-k");
        assertThat(caller.reads).containsExactly("act-k");
        caller.succeed("k");
        tick();
        assertThat(results.readValuesToList()).singleElement().satisfies(r -> assertThat(r.success()).isTrue());
        assertThat(caller.calls).containsExactly("k");
    }

    @Test
    void shouldWaitForTheInvocationInFlightAndRecordItsActivationIdBeforeTheCommitWhenDraining() {
        // given: an invocation is in flight when the process starts to drain (a rebalance or a shutdown)
        request("k", 1);
        caller.draining.set(true);
        CompletableFuture.delayedExecutor(300, java.util.concurrent.TimeUnit.MILLISECONDS).execute(() -> caller.accept("k"));

        // when: the task commits (the test driver commits after each record)
        long started = System.nanoTime();
        request("other", 1);

        // then: the commit waited for OpenWhisk's answer and carries the activation id; nothing new was invoked
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
        KeyValueStore<String, InvokerJob> jobs = driver.getKeyValueStore(DejaTopology.INVOKER_REQUESTS_STORE);
        assertThat(jobs.get("k").activationId()).isEqualTo("act-k");
        assertThat(caller.calls).containsExactly("k");
    }

    @Test
    void shouldCarryTheActivationIdOfEveryInvocationOnTheWireInEachCommitWhenOpenWhiskAnswersAtOnce() {
        // given: non-blocking invocations, one on the wire; nothing drains (a revocation can come at any commit)
        caller.quick.set(true);
        request("k", 1);
        CompletableFuture.delayedExecutor(200, java.util.concurrent.TimeUnit.MILLISECONDS).execute(() -> caller.accept("k"));

        // when: the task commits
        request("other", 1);

        // then: that commit waited for OpenWhisk's answer and carries the activation id
        KeyValueStore<String, InvokerJob> jobs = driver.getKeyValueStore(DejaTopology.INVOKER_REQUESTS_STORE);
        assertThat(jobs.get("k").activationId()).isEqualTo("act-k");
    }

    @Test
    void shouldAnswerARequestReSentForAFinishedAttemptByReadingItsActivationNotByInvokingAgain() {
        // given: attempt 1 was accepted, read and answered
        request("k", 1);
        caller.accept("k");
        tick();
        caller.succeed("k");
        tick();
        assertThat(results.readValuesToList()).hasSize(1);

        // when: the dedup table's pending timeout sends attempt 1 again
        request("k", 1);
        caller.succeed("k");
        tick();

        // then
        assertThat(caller.calls).as("one invocation").containsExactly("k");
        assertThat(caller.reads).containsExactly("act-k", "act-k");
        assertThat(results.readValuesToList()).singleElement().satisfies(r -> assertThat(r.attempt()).isEqualTo(1));
    }

    @Test
    void shouldKeepAFinishedMarkerForTheRetentionAndDeleteItWithinAQuarterMore() throws Exception {
        driver.close();
        start(Map.of("deja.invoker.finished.retention.ms", "60000"));
        KeyValueStore<String, InvokerJob> jobs = driver.getKeyValueStore(DejaTopology.INVOKER_REQUESTS_STORE);
        request("k1", 1);
        caller.succeed("k1");
        tick();
        assertThat(results.readValuesToList()).hasSize(1);
        assertThat(jobs.get("k1").finished()).isTrue();

        // when: the retention passes, one second at a time
        for (int second = 1; second <= 60; second++) {
            now = now.plusSeconds(1);
            driver.advanceWallClockTime(Duration.ofSeconds(1));
        }

        // then: the marker was there all along (a re-sent request would be answered from it), and goes once the
        // next sweep runs: at most a quarter of the retention later
        assertThat(jobs.get("k1")).as("kept for the retention").isNotNull();
        for (int second = 1; second <= 16 && jobs.get("k1") != null; second++) {
            now = now.plusSeconds(1);
            driver.advanceWallClockTime(Duration.ofSeconds(1));
        }
        assertThat(jobs.get("k1")).as("deleted within a quarter of the retention after it").isNull();
        assertThat(caller.calls).containsExactly("k1");
    }

    @Test
    void shouldInvokeAgainWhenTheEntryWasCreatedAgainWithTheSameAttemptNumber() {
        // given: attempt 1 of an entry ran and was answered
        request("k", 1, 1_000L);
        caller.accept("k");
        tick();
        caller.succeed("k");
        tick();

        // when: the entry expired (TTL) or the table was wiped (replay --reinvoke), and a new entry asks again
        request("k", 1, 9_000L);
        tick();

        // then: a new call, not a read of the old activation
        assertThat(caller.calls).containsExactly("k", "k");
        assertThat(caller.reads).containsExactly("act-k");
    }

    @Test
    void shouldInvokeAgainWhenANewerAttemptFollowsAFinishedOneAndIgnoreAnOlderOne() {
        // given
        request("k", 2);
        caller.succeed("k");
        tick();

        // when
        request("k", 1);
        tick();
        request("k", 3);
        tick();

        // then
        assertThat(caller.calls).containsExactly("k", "k");
    }

    @Test
    void shouldKeepRequestsQueuedAndFireThemWhenTheBreakerClosesAgain() {
        // given: the breaker is open
        caller.open.set(false);
        request("a", 1);
        request("b", 1);
        tick();
        assertThat(caller.calls).isEmpty();

        // when
        caller.open.set(true);
        tick();

        // then
        assertThat(caller.calls).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void shouldFireAgainWhenACallIsDeferred() {
        request("a", 1);
        caller.running.get("a").complete(new CallOutcome.Deferred("breaker open"));
        for (int i = 0; i < 7; i++) {
            tick();
        }

        assertThat(caller.calls).containsExactly("a", "a");
        assertThat(results.isEmpty()).isTrue();
    }
}
