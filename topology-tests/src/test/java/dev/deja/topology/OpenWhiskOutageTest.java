package dev.deja.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deja.app.DejaApp;
import dev.deja.config.DejaConfig;
import dev.deja.invoke.CircuitBreaker;
import dev.deja.invoke.Invoker;
import dev.deja.invoke.InvokerSettings;
import dev.deja.invoke.OpenWhiskClient;
import dev.deja.invoke.OpenWhiskSettings;
import dev.deja.model.InvocationRequest;
import dev.deja.model.InvocationResult;
import dev.deja.ops.DejaMetrics;
import dev.deja.serde.Json;
import dev.deja.serde.JsonSerde;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The invoker stage with the real OpenWhisk client and breaker, against an OpenWhisk that goes down for 60 s. */
class OpenWhiskOutageTest {

    private static final String KEY = "23bc46b1-71f6-4ed5-8c54-816aa4f8c502:123zO3xZCLrMN6v2BKK1dXYFpXlPkccOFqm12CdAsMgRU4VrNZ9lyGVCGuMDGIwP";
    private static final int REQUESTS = 20;

    /** A clock the test moves by hand, so a 60 s outage passes in a second or two. */
    private static final class ManualClock extends Clock {
        private volatile Instant now = Instant.parse("2026-11-23T10:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }
    }

    @Test
    @Timeout(60)
    void shouldQueueEveryRequestAndCallSparinglyWhenOpenWhiskIsDownForAMinute() throws Exception {
        AtomicBoolean down = new AtomicBoolean(true);
        AtomicInteger callsWhileDown = new AtomicInteger();
        try (MockWebServer server = new MockWebServer()) {
            server.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest request) {
                    if (down.get()) {
                        callsWhileDown.incrementAndGet();
                        return new MockResponse.Builder().code(503).body("{\"error\":\"overloaded\"}").build();
                    }
                    return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
                            .body("{\"activationId\":\"a1\",\"namespace\":\"guest\",\"name\":\"thumbnail\",\"version\":\"0.0.3\","
                                    + "\"start\":1,\"end\":41,\"duration\":40,\"response\":{\"status\":\"success\","
                                    + "\"statusCode\":0,\"success\":true,\"result\":{\"ok\":true}},\"annotations\":[],\"logs\":[]}")
                            .build();
                }
            });
            server.start();
            ManualClock clock = new ManualClock();
            OpenWhiskSettings settings = OpenWhiskSettings.builder(server.url("/").toString(), KEY)
                    .maxRetries(5).initialBackoff(Duration.ofMillis(1)).maxBackoff(Duration.ofMillis(5))
                    .breakerFailureThreshold(5).breakerOpenDuration(Duration.ofSeconds(10)).breakerProbes(1).build();
            DejaConfig config = DejaConfig.load(null, Map.of(), Map.of("bootstrap.servers", "test:9092",
                    "deja.rules", "thumbs", "deja.rule.thumbs.action", "thumbnail",
                    "state.dir", Files.createTempDirectory("deja-ttd").toString()));
            try (OpenWhiskClient client = new OpenWhiskClient(settings);
                 Invoker invoker = new Invoker(client, null, InvokerSettings.from(settings, 256 * 1024), clock);
                 TopologyTestDriver driver = new TopologyTestDriver(
                         DejaTopology.buildInvoker(config, invoker, new Semaphore(4), DejaMetrics.discarding()),
                         DejaTopology.properties(config, "deja-test-invoker"), clock.instant())) {
                TestInputTopic<String, InvocationRequest> requests = driver.createInputTopic("deja-invocations",
                        Serdes.String().serializer(), JsonSerde.of(InvocationRequest.class).serializer());
                TestOutputTopic<String, InvocationResult> results = driver.createOutputTopic("deja-invocation-results",
                        Serdes.String().deserializer(), JsonSerde.of(InvocationResult.class).deserializer());

                // given: 20 requests while OpenWhisk answers 503
                for (int i = 0; i < REQUESTS; i++) {
                    requests.pipeInput("k" + i, new InvocationRequest("k" + i, "thumbnail", "0.0.3", Json.object(), 1, 0L, 0L));
                }

                // when: a minute passes, one second at a time
                for (int second = 0; second < 60; second++) {
                    clock.advance(Duration.ofSeconds(1));
                    tick(driver, 3);
                }

                // then: the breaker opened, calls were a trickle of probes, and nothing failed
                assertThat(invoker.breakerState()).isNotEqualTo(CircuitBreaker.State.CLOSED);
                assertThat(results.readValuesToList()).as("no request is failed for an outage").isEmpty();
                int duringOutage = callsWhileDown.get();
                assertThat(duringOutage).as("calls in a 60 s outage: the first failures, then ~1 probe per 10 s")
                        .isLessThanOrEqualTo(5 + 4 * 3 + 7 * 3);

                // when: OpenWhisk recovers
                down.set(false);
                List<InvocationResult> done = new java.util.ArrayList<>();
                for (int i = 0; i < 100 && done.size() < REQUESTS; i++) {
                    clock.advance(Duration.ofSeconds(1));
                    tick(driver, 1);
                    done.addAll(results.readValuesToList());
                }

                // then: every queued request completes
                assertThat(done).hasSize(REQUESTS).allSatisfy(r -> assertThat(r.success()).isTrue());
                assertThat(done).extracting(InvocationResult::dedupKey).doesNotHaveDuplicates();
                assertThat(invoker.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
            }
        }
    }

    private static void tick(TopologyTestDriver driver, int times) throws InterruptedException {
        for (int i = 0; i < times; i++) {
            Thread.sleep(10);
            driver.advanceWallClockTime(Duration.ofMillis(20));
        }
    }
}
