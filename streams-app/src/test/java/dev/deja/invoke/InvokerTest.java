package dev.deja.invoke;

import static dev.deja.invoke.OpenWhiskFixtures.KEY;
import static dev.deja.invoke.OpenWhiskFixtures.applicationError;
import static dev.deja.invoke.OpenWhiskFixtures.json;
import static dev.deja.invoke.OpenWhiskFixtures.settings;
import static dev.deja.invoke.OpenWhiskFixtures.status;
import static dev.deja.invoke.OpenWhiskFixtures.success;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deja.model.InvocationRequest;
import dev.deja.model.InvocationResult;
import dev.deja.serde.Json;
import dev.deja.testing.Await;
import dev.deja.topology.CallOutcome;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InvokerTest {

    private static final long NOW = 1_763_900_000_000L;
    private static final String DEDUP_KEY = "imaging/thumbnail@0.0.3#a1b2c3:9e107d9d372bb6826bd81d3542a419d6";

    @StartStop
    final MockWebServer server = new MockWebServer();

    private final MutableClock clock = new MutableClock(NOW);
    private OpenWhiskClient client;
    private Invoker invoker;

    @AfterEach
    void close() {
        if (invoker != null) {
            invoker.close();
        }
        if (client != null) {
            client.close();
        }
    }

    private Invoker invoker(OpenWhiskSettings settings, ResultStore store, long inlineMaxBytes) {
        client = new OpenWhiskClient(settings);
        invoker = new Invoker(client, store, InvokerSettings.from(settings, inlineMaxBytes), clock);
        return invoker;
    }

    private static InvocationRequest request(int attempt) {
        ObjectNode params = Json.object().put("bucket", "photos").put("key", "cats/cat.jpg");
        return new InvocationRequest(DEDUP_KEY, "imaging/thumbnail", "0.0.3", params, attempt, NOW - 50, NOW - 60);
    }

    private static InvocationResult completed(CompletableFuture<CallOutcome> outcome) throws Exception {
        CallOutcome value = outcome.get(5, TimeUnit.SECONDS);
        assertThat(value).isInstanceOf(CallOutcome.Done.class);
        return ((CallOutcome.Done) value).result();
    }

    /** Holds every answer until the returned latch is released (at most 5 s), then answers {@code response}. */
    private CountDownLatch answerWhenReleased(MockResponse response) {
        CountDownLatch release = new CountDownLatch(1);
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                release.await(5, TimeUnit.SECONDS);
                return response;
            }
        });
        return release;
    }

    private void alwaysAnswer(int code) {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return status(code, "whisk is down (" + code + ")");
            }
        });
    }

    @Test
    void shouldCompleteWithInlineResultWhenActionSucceeds() throws Exception {
        // given
        Invoker invoker = invoker(settings(server).build(), new InMemoryResultStore(), 64 * 1024);
        JsonNode result = Json.object().put("thumbnail", "s3://thumbs/cat.png");
        server.enqueue(json(200, success("act-1", result)));

        // when
        InvocationResult invocation = completed(invoker.call(request(2)));

        // then
        assertThat(invocation.success()).isTrue();
        assertThat(invocation.dedupKey()).isEqualTo(DEDUP_KEY);
        assertThat(invocation.attempt()).isEqualTo(2);
        assertThat(invocation.result()).isEqualTo(result);
        assertThat(invocation.resultRef()).isNull();
        assertThat(invocation.failureKind()).isNull();
        assertThat(invocation.error()).isNull();
        assertThat(invocation.activationId()).isEqualTo("act-1");
        assertThat(invocation.durationMs()).isEqualTo(242L);
        assertThat(invocation.calls()).isEqualTo(1);
        assertThat(invocation.completedAtMs()).isEqualTo(NOW);
        RecordedRequest sent = server.takeRequest(1, TimeUnit.SECONDS);
        assertThat(sent.getUrl().encodedPath()).isEqualTo("/api/v1/namespaces/guest/actions/imaging/thumbnail");
        assertThat(Json.parse(sent.getBody().utf8())).isEqualTo(request(2).params());
        assertThat(invoker.inFlight()).isZero();
        assertThat(invoker.pending()).isZero();
    }

    @Test
    void shouldReadTheAcceptedActivationUntilItsRecordIsStoredWithoutInvokingAgain() throws Exception {
        // given
        Invoker invoker = invoker(settings(server).build(), null, 64 * 1024);
        server.enqueue(json(202, Json.object().put("activationId", "act-slow")));
        server.enqueue(status(404, "The requested resource does not exist."));
        server.enqueue(json(200, success("act-slow", Json.object().put("ok", true))));

        // when
        CallOutcome accepted = invoker.call(request(0)).get(5, TimeUnit.SECONDS);
        InvocationResult invocation = completed(invoker.await(request(0), "act-slow"));

        // then
        assertThat(accepted).isEqualTo(new CallOutcome.Accepted("act-slow", 1));
        assertThat(invocation.success()).isTrue();
        assertThat(invocation.activationId()).isEqualTo("act-slow");
        assertThat(invocation.calls()).as("two reads").isEqualTo(2);
        assertThat(server.takeRequest(1, TimeUnit.SECONDS).getMethod()).isEqualTo("POST");
        assertThat(server.takeRequest(1, TimeUnit.SECONDS).getMethod()).isEqualTo("GET");
        assertThat(server.takeRequest(1, TimeUnit.SECONDS).getMethod()).isEqualTo("GET");
        assertThat(invoker.reads()).isEqualTo(2);
    }

    @Test
    void shouldGiveUpAsUncertainWhenTheAcceptedActivationHasNoRecordWithinThePollDeadline() throws Exception {
        // given
        Invoker invoker = invoker(settings(server).pollDeadline(Duration.ofMillis(300)).build(), null, 64 * 1024);
        alwaysAnswer(404);

        // when
        InvocationResult invocation = completed(invoker.await(request(0), "act-lost"));

        // then
        assertThat(invocation.success()).isFalse();
        assertThat(invocation.failureKind()).isEqualTo("uncertain");
        assertThat(invocation.error()).contains("act-lost");
        assertThat(server.getRequestCount()).isGreaterThanOrEqualTo(2);
        assertThat(invoker.uncertain()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"504", "500", "502"})
    void shouldNeverSendTheInvocationAgainWhenItsAcceptanceIsUncertain(int code) throws Exception {
        // given: a gateway in front of the controller answers while the action may run on
        Invoker invoker = invoker(settings(server).maxRetries(5).build(), null, 64 * 1024);
        alwaysAnswer(code);

        // when
        InvocationResult invocation = completed(invoker.call(request(0)));

        // then
        assertThat(invocation.success()).isFalse();
        assertThat(invocation.failureKind()).isEqualTo("uncertain");
        assertThat(server.getRequestCount()).as("one POST, never a blind second one").isEqualTo(1);
        assertThat(invoker.uncertain()).isEqualTo(1);
    }

    @Test
    void shouldAttachToTheRunningCallWhenTheSameRequestIsCalledAgain() throws Exception {
        // given: a task revived in the same process calls its request again while the first call runs
        Invoker invoker = invoker(settings(server).build(), null, 64 * 1024);
        CountDownLatch release = answerWhenReleased(json(202, Json.object().put("activationId", "act-once")));
        CompletableFuture<CallOutcome> first = invoker.call(request(0));

        // when
        CompletableFuture<CallOutcome> again = invoker.call(request(0));
        release.countDown();

        // then
        assertThat(again.get(5, TimeUnit.SECONDS)).isEqualTo(new CallOutcome.Accepted("act-once", 1));
        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(again.get());
        assertThat(invoker.call(request(0)).get(5, TimeUnit.SECONDS)).as("just after it ended too").isEqualTo(again.get());
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void shouldDeferNewCallsWhileDraining() throws Exception {
        // given
        Invoker invoker = invoker(settings(server).build(), null, 64 * 1024);
        invoker.drain();

        // when
        CallOutcome whileDraining = invoker.call(request(0)).get(5, TimeUnit.SECONDS);
        invoker.resume();
        server.enqueue(json(202, Json.object().put("activationId", "act-after")));
        CallOutcome after = invoker.call(request(0)).get(5, TimeUnit.SECONDS);

        // then
        assertThat(whileDraining).isInstanceOf(CallOutcome.Deferred.class);
        assertThat(after).isEqualTo(new CallOutcome.Accepted("act-after", 1));
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void shouldFailWithoutRetryWhenActionReportsApplicationError() throws Exception {
        // given
        Invoker invoker = invoker(settings(server).build(), null, 64 * 1024);
        server.enqueue(json(502, applicationError("act-bad", "not an image: cat.txt")));
        server.enqueue(json(200, success("never", Json.object())));

        // when
        InvocationResult invocation = completed(invoker.call(request(0)));

        // then
        assertThat(invocation.success()).isFalse();
        assertThat(invocation.failureKind()).isEqualTo("application error");
        assertThat(invocation.error()).isEqualTo("not an image: cat.txt");
        assertThat(invocation.activationId()).isEqualTo("act-bad");
        assertThat(invocation.calls()).isEqualTo(1);
        assertThat(server.getRequestCount()).isEqualTo(1);
        assertThat(invoker.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void shouldReportDeveloperErrorWhenActionCrashes() throws Exception {
        // given
        Invoker invoker = invoker(settings(server).build(), null, 64 * 1024);
        ObjectNode crash = OpenWhiskFixtures.activation("act-crash", "action developer error",
                Json.object().put("error", "The action did not return a dictionary."));
        server.enqueue(json(502, crash));

        // when
        InvocationResult invocation = completed(invoker.call(request(0)));

        // then
        assertThat(invocation.success()).isFalse();
        assertThat(invocation.failureKind()).isEqualTo("action developer error");
        assertThat(invocation.error()).isEqualTo("The action did not return a dictionary.");
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "413, payload too large",
        "401, rejected",
        "403, rejected",
        "404, rejected",
    })
    void shouldFailWithoutRetryWhenOpenWhiskRefusesTheCall(int code, String failureKind) throws Exception {
        // given
        Invoker invoker = invoker(settings(server).build(), null, 64 * 1024);
        alwaysAnswer(code);

        // when
        InvocationResult invocation = completed(invoker.call(request(0)));

        // then
        assertThat(invocation.success()).isFalse();
        assertThat(invocation.failureKind()).isEqualTo(failureKind);
        assertThat(invocation.error()).contains(String.valueOf(code)).doesNotContain(KEY);
        assertThat(invocation.toString()).doesNotContain(KEY);
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void shouldSucceedAfterRetriesWhenOpenWhiskIsBrieflyOverloaded() throws Exception {
        // given
        Invoker invoker = invoker(settings(server).build(), null, 64 * 1024);
        server.enqueue(status(503, "overloaded"));
        server.enqueue(status(503, "overloaded"));
        server.enqueue(json(200, success("act-3", Json.object().put("ok", true))));

        // when
        InvocationResult invocation = completed(invoker.call(request(0)));

        // then
        assertThat(invocation.success()).isTrue();
        assertThat(invocation.activationId()).isEqualTo("act-3");
        assertThat(invocation.calls()).isEqualTo(3);
        assertThat(server.getRequestCount()).isEqualTo(3);
    }

    @Test
    void shouldRetryWhenThrottled() throws Exception {
        // given
        Invoker invoker = invoker(settings(server).build(), null, 64 * 1024);
        server.enqueue(status(429, "Too many requests in the last minute (count: 121, allowed: 120)."));
        server.enqueue(json(200, success("act-4", Json.object())));

        // when
        InvocationResult invocation = completed(invoker.call(request(0)));

        // then
        assertThat(invocation.success()).isTrue();
        assertThat(invocation.calls()).isEqualTo(2);
    }

    @Test
    void shouldCompleteAsFailureWhenRetriesRunOutAndBreakerStaysClosed() throws Exception {
        // given
        Invoker invoker = invoker(settings(server).maxRetries(2).build(), null, 64 * 1024);
        alwaysAnswer(503);

        // when
        InvocationResult invocation = completed(invoker.call(request(1)));

        // then
        assertThat(invocation.success()).isFalse();
        assertThat(invocation.failureKind()).isEqualTo("unavailable");
        assertThat(invocation.error()).contains("503").doesNotContain(KEY);
        assertThat(invocation.calls()).isEqualTo(3);
        assertThat(server.getRequestCount()).isEqualTo(3);
        assertThat(invoker.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void shouldDeferAndStopCallingWhenBreakerOpensThenCloseAfterSuccessfulProbe() throws Exception {
        // given
        Duration coolDown = Duration.ofSeconds(30);
        Invoker invoker = invoker(settings(server).maxRetries(5).breakerFailureThreshold(3)
                .breakerOpenDuration(coolDown).breakerProbes(1).build(), null, 64 * 1024);
        alwaysAnswer(503);

        // when: three failures open the breaker, which cuts the retries short
        CallOutcome first = invoker.call(request(0)).get(5, TimeUnit.SECONDS);

        // then
        assertThat(first).isInstanceOf(CallOutcome.Deferred.class);
        assertThat(server.getRequestCount()).isEqualTo(3);
        assertThat(invoker.breakerState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(invoker.admits()).isFalse();

        // when: while open, nothing reaches OpenWhisk
        CallOutcome whileOpen = invoker.call(request(0)).get(5, TimeUnit.SECONDS);
        clock.advance(coolDown.minusMillis(1));
        CallOutcome justBeforeCoolDown = invoker.call(request(0)).get(5, TimeUnit.SECONDS);

        // then
        assertThat(whileOpen).isInstanceOf(CallOutcome.Deferred.class);
        assertThat(((CallOutcome.Deferred) whileOpen).reason()).contains("circuit breaker");
        assertThat(justBeforeCoolDown).isInstanceOf(CallOutcome.Deferred.class);
        assertThat(server.getRequestCount()).isEqualTo(3);

        // when: the cool-down has passed and OpenWhisk is back
        clock.advance(Duration.ofMillis(1));
        assertThat(invoker.breakerState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(invoker.admits()).isTrue();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return json(200, success("act-probe", Json.object().put("ok", true)));
            }
        });
        InvocationResult probe = completed(invoker.call(request(1)));

        // then
        assertThat(probe.success()).isTrue();
        assertThat(probe.calls()).isEqualTo(1);
        assertThat(server.getRequestCount()).isEqualTo(4);
        assertThat(invoker.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(invoker.admits()).isTrue();
    }

    @Test
    void shouldReopenAndDeferWhenProbeFails() throws Exception {
        // given
        Duration coolDown = Duration.ofSeconds(30);
        Invoker invoker = invoker(settings(server).maxRetries(0).breakerFailureThreshold(1)
                .breakerOpenDuration(coolDown).build(), null, 64 * 1024);
        alwaysAnswer(503);
        assertThat(invoker.call(request(0)).get(5, TimeUnit.SECONDS)).isInstanceOf(CallOutcome.Deferred.class);
        clock.advance(coolDown);

        // when
        CallOutcome probe = invoker.call(request(0)).get(5, TimeUnit.SECONDS);

        // then
        assertThat(probe).isInstanceOf(CallOutcome.Deferred.class);
        assertThat(server.getRequestCount()).isEqualTo(2);
        assertThat(invoker.breakerState()).isEqualTo(CircuitBreaker.State.OPEN);
    }

    @Test
    void shouldStoreResultAndKeepReferenceWhenResultExceedsInlineLimit() throws Exception {
        // given
        InMemoryResultStore store = new InMemoryResultStore();
        Invoker invoker = invoker(settings(server).build(), store, 1024);
        ObjectNode big = Json.object().put("pixels", "x".repeat(4096));
        server.enqueue(json(200, success("act-big", big)));

        // when
        InvocationResult invocation = completed(invoker.call(request(0)));

        // then
        assertThat(invocation.success()).isTrue();
        assertThat(invocation.result()).isNull();
        assertThat(invocation.resultRef()).startsWith("s3://deja-results/");
        assertThat(Json.MAPPER.readTree(store.get(invocation.resultRef()))).isEqualTo(big);
        assertThat(store.size()).isEqualTo(1);
    }

    @Test
    void shouldAnswerAFinalFailureSayingWhyWhenTheResultExceedsTheInlineLimitAndNoObjectStoreIsConfigured()
            throws Exception {
        // given: a 1.5 MB result, more than a Kafka record carries, and nowhere to put it
        Invoker invoker = invoker(settings(server).build(), null, 256 * 1024);
        server.enqueue(json(200, success("act-huge", Json.object().put("pixels", "x".repeat(1_500_000)))));

        // when
        InvocationResult invocation = completed(invoker.call(request(0)));

        // then: one call, a failure that says why, small enough for every record that copies it
        assertThat(invocation.success()).isFalse();
        assertThat(invocation.failureKind()).isEqualTo(Invoker.RESULT_TOO_LARGE);
        assertThat(invocation.error()).contains("above deja.result.inline.max.bytes (262144)")
                .contains("no object store");
        assertThat(invocation.result()).isNull();
        assertThat(invocation.activationId()).isEqualTo("act-huge");
        assertThat(invocation.calls()).isEqualTo(1);
        assertThat(server.getRequestCount()).isEqualTo(1);
        assertThat(Json.MAPPER.writeValueAsBytes(invocation).length).isLessThan(4096);
    }

    @Test
    void shouldCutTheActionsErrorTextWhenItIsHuge() throws Exception {
        // given: the action fails with a megabyte of error text
        Invoker invoker = invoker(settings(server).build(), null, 256 * 1024);
        server.enqueue(json(502, applicationError("act-err", "boom ".repeat(200_000))));

        // when
        InvocationResult invocation = completed(invoker.call(request(0)));

        // then
        assertThat(invocation.success()).isFalse();
        assertThat(invocation.error()).startsWith("boom boom").endsWith("more characters)");
        assertThat(invocation.error().length()).isLessThan(Invoker.MAX_ERROR_CHARS + 100);
    }

    @Test
    void shouldKeepSmallResultInlineWhenUnderInlineLimit() throws Exception {
        // given
        InMemoryResultStore store = new InMemoryResultStore();
        Invoker invoker = invoker(settings(server).build(), store, 1024);
        server.enqueue(json(200, success("act-small", Json.object().put("ok", true))));

        // when
        InvocationResult invocation = completed(invoker.call(request(0)));

        // then
        assertThat(invocation.result()).isEqualTo(Json.object().put("ok", true));
        assertThat(invocation.resultRef()).isNull();
        assertThat(store.size()).isZero();
    }

    @Test
    void shouldFailWhenResultStoreCannotBeWritten() throws Exception {
        // given
        ResultStore broken = new ResultStore() {
            @Override
            public String put(byte[] json) {
                throw new IllegalStateException("bucket deja-results unreachable");
            }

            @Override
            public byte[] get(String ref) {
                throw new UnsupportedOperationException();
            }
        };
        Invoker invoker = invoker(settings(server).build(), broken, 10);
        server.enqueue(json(200, success("act-lost", Json.object().put("pixels", "x".repeat(100)))));

        // when
        InvocationResult invocation = completed(invoker.call(request(0)));

        // then
        assertThat(invocation.success()).isFalse();
        assertThat(invocation.failureKind()).isEqualTo("result store unavailable");
        assertThat(invocation.error()).contains("bucket deja-results unreachable");
        assertThat(invocation.activationId()).isEqualTo("act-lost");
    }

    @Test
    void shouldCountInFlightCallsWithoutBlockingCaller() throws Exception {
        // given
        Invoker invoker = invoker(settings(server).build(), null, 64 * 1024);
        CountDownLatch release = answerWhenReleased(json(200, success("act-held", Json.object())));

        // when
        CompletableFuture<CallOutcome> outcome = invoker.call(request(0));

        // then
        assertThat(outcome).isNotDone();
        assertThat(invoker.inFlight()).isEqualTo(1);
        assertThat(invoker.pending()).isEqualTo(1);
        release.countDown();
        assertThat(completed(outcome).success()).isTrue();
        Await.until(Duration.ofSeconds(2), () -> invoker.inFlight() == 0, "no HTTP call in flight");
    }

    @Test
    void shouldDeferWhenInFlightLimitIsReached() throws Exception {
        // given
        OpenWhiskSettings settings = settings(server).build();
        client = new OpenWhiskClient(settings);
        invoker = new Invoker(client, null, InvokerSettings.from(settings, 1024, 1), clock);
        CountDownLatch release = answerWhenReleased(json(200, success("act-held", Json.object())));
        CompletableFuture<CallOutcome> first = invoker.call(request(0));

        // when
        boolean admitsSecond = invoker.admits();
        CallOutcome second = invoker.call(request(1)).get(1, TimeUnit.SECONDS);

        // then
        assertThat(admitsSecond).isFalse();
        assertThat(second).isInstanceOf(CallOutcome.Deferred.class);
        release.countDown();
        assertThat(completed(first).success()).isTrue();
        Await.until(Duration.ofSeconds(2), invoker::admits, "the invoker admitting calls again");
    }

    @Test
    void shouldDeferUnfinishedInvocationsWhenClosed() throws Exception {
        // given
        Invoker invoker = invoker(settings(server).initialBackoff(Duration.ofSeconds(10))
                .maxBackoff(Duration.ofSeconds(10)).build(), null, 64 * 1024);
        alwaysAnswer(503);
        AtomicReference<CallOutcome> seen = new AtomicReference<>();
        CompletableFuture<CallOutcome> outcome = invoker.call(request(0));
        outcome.thenAccept(seen::set);
        Await.until(Duration.ofSeconds(2), () -> server.getRequestCount() == 1 && invoker.inFlight() == 0,
                "one refused call, waiting for its retry");

        // when
        invoker.close();

        // then
        assertThat(outcome.get(1, TimeUnit.SECONDS)).isInstanceOf(CallOutcome.Deferred.class);
        assertThat(invoker.call(request(0)).get(1, TimeUnit.SECONDS)).isInstanceOf(CallOutcome.Deferred.class);
    }
}
