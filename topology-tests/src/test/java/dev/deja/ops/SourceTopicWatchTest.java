package dev.deja.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deja.app.SourceTopicWatch;
import dev.deja.config.DejaConfig;
import dev.deja.local.EmbeddedKafka;
import dev.deja.model.InvocationRequest;
import dev.deja.topology.ActionCaller;
import dev.deja.topology.CallOutcome;
import dev.deja.topology.ContentHashing;
import dev.deja.topology.DejaTopology;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SourceTopicWatchTest {

    private static final Duration PERIOD = Duration.ofMillis(200);

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldReportADeletedTopicOnceWithItsApplicationAndNothingWhileTopicsExist() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            // given
            kafka.createTopic("events", 2, Map.of());
            kafka.createTopic("results", 2, Map.of());
            kafka.createTopic("jobs", 2, Map.of());
            List<String> gone = new CopyOnWriteArrayList<>();
            try (SourceTopicWatch watch = SourceTopicWatch.start(
                    Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                    Map.of("dedup", Set.of("events", "results"), "invoker", Set.of("jobs")), PERIOD,
                    (application, topic) -> gone.add(application + ":" + topic))) {
                Thread.sleep(PERIOD.multipliedBy(8).toMillis());
                assertThat(gone).as("nothing gone while every topic exists").isEmpty();

                // when
                admin.deleteTopics(List.of("results")).all().get(30, TimeUnit.SECONDS);

                // then: reported within a few periods, and once only
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (gone.isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                Thread.sleep(PERIOD.multipliedBy(5).toMillis());
                assertThat(gone).containsExactly("dedup:results");
            }
        }
    }

    @Test
    void shouldWatchTheConfiguredTopicsEachTopologyReadsAndNoInternalTopic() {
        DejaConfig config = DejaConfig.load(null, Map.of(), Map.of(
                "bootstrap.servers", "test:9092", "deja.rules", "thumbs", "deja.rule.thumbs.action", "thumbnail"));
        ActionCaller never = new ActionCaller() {
            @Override
            public boolean admits() {
                return false;
            }

            @Override
            public CompletableFuture<CallOutcome> call(InvocationRequest request) {
                throw new AssertionError("no call expected");
            }

            @Override
            public CompletableFuture<CallOutcome> await(InvocationRequest request, String activationId) {
                throw new AssertionError("no read expected");
            }
        };

        // when
        Set<String> dedup = SourceTopicWatch.topicsRead(DejaTopology.buildDedup(config, action -> "1",
                ContentHashing.UNAVAILABLE, DejaMetrics.discarding()).describe(), config);
        Set<String> invoker = SourceTopicWatch.topicsRead(DejaTopology.buildInvoker(config, never, new Semaphore(1),
                DejaMetrics.discarding()).describe(), config);

        // then: the repartition topic is Kafka Streams' own
        assertThat(dedup).containsExactlyInAnyOrder("bucket-events", "deja-invocation-results", "deja-table");
        assertThat(invoker).containsExactly("deja-invocations");
    }
}
