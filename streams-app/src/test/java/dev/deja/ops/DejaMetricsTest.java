package dev.deja.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deja.model.Outcome;
import dev.deja.model.OutputRecord;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DejaMetricsTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    @AfterEach
    void close() {
        registry.close();
    }

    /** An output record with what the meters read: rule, action, outcome and latency. */
    static OutputRecord output(String rule, String action, Outcome outcome, long latencyMs) {
        return new OutputRecord(null, rule, "0".repeat(32), action, "0.0.1", action + "@0.0.1#000000:" + "0".repeat(32),
                outcome, null, null, null, null, 420L, latencyMs);
    }

    @Test
    void shouldCountUploadsByRuleActionAndOutcomeInBaseUnitsWhenUploadsAreAnswered() {
        // given
        DejaMetrics metrics = new DejaMetrics(registry, 10_000);
        // when
        metrics.answered(output("thumbs", "thumbnail", Outcome.INVOKED, 2_000), 1_500L);
        metrics.answered(output("thumbs", "thumbnail", Outcome.CACHED, 50), 1_500L);
        metrics.answered(output("thumbs", "thumbnail", Outcome.COALESCED, 12_000), 1_500L);
        metrics.answered(output("ocr", "ocr", Outcome.FAILED, 100), null);
        String text = registry.scrape();
        // then
        assertThat(text).contains(
                "deja_uploads_total{action=\"thumbnail\",outcome=\"CACHED\",rule=\"thumbs\"} 1.0",
                "deja_uploads_total{action=\"ocr\",outcome=\"FAILED\",rule=\"ocr\"} 1.0",
                "deja_invocations_saved_total{action=\"thumbnail\",rule=\"thumbs\"} 2.0",
                "deja_compute_saved_seconds_total{action=\"thumbnail\",rule=\"thumbs\"} 3.0",
                "deja_uploads_within_sla_total{action=\"thumbnail\",rule=\"thumbs\"} 2.0",
                "deja_latency_end_to_end_seconds_bucket{action=\"thumbnail\",rule=\"thumbs\",le=\"10.0\"} 2",
                "deja_latency_end_to_end_seconds_count{action=\"thumbnail\",rule=\"thumbs\"} 3");
        assertThat(text).as("ratios are computed by Prometheus from counters")
                .doesNotContain("deja_hit_ratio", "deja_sla_compliance", "_ms_total");
        assertThat(metrics.count(Outcome.CACHED)).isEqualTo(1);
    }

    @Test
    void shouldPublishBuildInfoJvmAndStreamsStateWhenProcessMetersAreBound() {
        // given
        DejaMetrics metrics = new DejaMetrics(registry, 10_000);
        Map<String, KafkaStreams.State> states = Map.of("dedup", KafkaStreams.State.RUNNING,
                "invoker", KafkaStreams.State.REBALANCING);
        // when
        metrics.bindProcessMeters();
        metrics.streamsGauges(() -> states, List.of("dedup", "invoker"));
        String text = registry.scrape();
        // then
        assertThat(text).containsPattern("deja_build_info\\{java_version=\"[^\"]+\",version=\"[^\"]+\"} 1\n")
                .contains("deja_streams_running{application=\"dedup\"} 1.0", "deja_streams_running{application=\"invoker\"} 0.0",
                        "jvm_memory_used_bytes{", "jvm_gc_", "process_cpu_usage", "process_uptime_seconds", "jvm_threads_live_threads");
    }
}
