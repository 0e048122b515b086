package dev.deja.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deja.config.DejaConfig;
import dev.deja.model.InvocationRequest;
import dev.deja.ops.DejaMetrics;
import java.util.Map;
import java.util.concurrent.Semaphore;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

/** Store, processor and internal topic names are state: renaming one loses data on upgrade. */
class TopologyNamingTest {

    private static final DejaConfig CONFIG = DejaConfig.load(null, Map.of(), Map.of(
            "bootstrap.servers", "test:9092", "deja.rules", "thumbs", "deja.rule.thumbs.action", "thumbnail"));

    @Test
    void shouldKeepEveryStoreAndTopicNameWhenTheDedupTopologyIsBuilt() {
        TopologyDescription description = DejaTopology.buildDedup(CONFIG, action -> "1", ContentHashing.UNAVAILABLE, DejaMetrics.discarding()).describe();
        String text = description.toString();

        assertThat(text).contains(
                "Source: read-bucket-events (topics: [bucket-events])",
                "Processor: parse-events (stores: [dedup-seen-events])",
                "Processor: hash-content (stores: [hash-jobs])",
                "Processor: answer-hashed (stores: [dedup-seen-events])",
                "Sink: write-cached-output (topic: deja-output)",
                "Sink: write-hashed-output (topic: deja-output)",
                "Sink: dedup-uploads-repartition-sink (topic: dedup-uploads-repartition)",
                "Source: dedup-uploads-repartition-source (topics: [dedup-uploads-repartition])",
                "Source: read-results (topics: [deja-invocation-results])",
                "Sink: write-invocations (topic: deja-invocations)",
                "Sink: write-output (topic: deja-output)",
                "Sink: write-table (topic: deja-table)",
                "Sink: write-dlq (topic: deja-dlq)",
                "Source: replicate-table-source (topics: [deja-table])",
                "Processor: replicate-table (stores: [dedup-table-replica])");
        assertThat(description.subtopologies()).hasSize(2);
        // Task ids name state directories and changelog partitions' owners: 0_n the ingest, 2_n the dedup (1 is the replica).
        assertThat(description.subtopologies()).filteredOn(sub -> sub.id() == 0).singleElement()
                .satisfies(sub -> assertThat(sub.nodes()).extracting(TopologyDescription.Node::name).contains("read-bucket-events"));
        assertThat(description.subtopologies()).filteredOn(sub -> sub.id() == 2).singleElement()
                .satisfies(sub -> assertThat(sub.nodes()).extracting(TopologyDescription.Node::name).contains("read-results", "dedup"));
        assertThat(description.globalStores()).singleElement()
                .satisfies(store -> assertThat(store.processor().stores()).containsExactly("dedup-table-replica"));
        assertThat(description.subtopologies()).flatExtracting(TopologyDescription.Subtopology::nodes)
                .filteredOn(node -> node.name().equals("dedup")).singleElement()
                .satisfies(node -> assertThat(((TopologyDescription.Processor) node).stores())
                        .containsExactlyInAnyOrder("dedup-table", "dedup-waiters", "dedup-timers"));
        assertThat(text).doesNotContain("KSTREAM-", "KTABLE-");
    }

    @Test
    void shouldKeepEveryStoreAndTopicNameWhenTheInvokerTopologyIsBuilt() {
        ActionCaller never = new ActionCaller() {
            @Override
            public boolean admits() {
                return false;
            }

            @Override
            public java.util.concurrent.CompletableFuture<CallOutcome> call(InvocationRequest request) {
                throw new AssertionError("no call expected");
            }

            @Override
            public java.util.concurrent.CompletableFuture<CallOutcome> await(InvocationRequest request, String activationId) {
                throw new AssertionError("no read expected");
            }
        };
        String text = DejaTopology.buildInvoker(CONFIG, never, new Semaphore(1), DejaMetrics.discarding()).describe().toString();

        assertThat(text).contains(
                "Source: read-invocations (topics: [deja-invocations])",
                "Processor: invoke (stores: [invoker-requests, invoker-commit-hook])",
                "Sink: write-results (topic: deja-invocation-results)");
        assertThat(text).doesNotContain("KSTREAM-");
    }
}
