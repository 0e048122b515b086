package dev.deja.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deja.model.Outcome;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StatusHistoryTest {

    private static final long START = 1_000_000_000L;
    private static final long PERIOD = StatusHistory.PERIOD.toMillis();

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final DejaMetrics metrics = new DejaMetrics(registry, 10_000);
    private final StatusHistory history = new StatusHistory(metrics, START);
    private final StatusPage page = new StatusPage(metrics, history, Map::of, path -> List.of());

    @AfterEach
    void close() {
        registry.close();
    }

    @Test
    void shouldEstimateEachIntervalsPercentilesFromTheHistogramWhenSampling() {
        // given: 100 answers at 1 s in the first interval, 100 at 30 s in the second
        answer(100, Outcome.CACHED, 1_000);
        StatusHistory.Sample first = history.sample(START + PERIOD);
        answer(99, Outcome.CACHED, 30_000);
        answer(1, Outcome.INVOKED, 30_000);
        // when
        StatusHistory.Sample second = history.sample(START + 2 * PERIOD);
        // then: each interval's quantiles are its own, within the histogram's bucket resolution
        assertThat(first.p50Ms()).isCloseTo(1_000, within(200.0));
        assertThat(second.p50Ms()).isCloseTo(30_000, within(6_000.0));
        assertThat(second.p99Ms()).isCloseTo(30_000, within(6_000.0));
        assertThat(history.sample(START + 3 * PERIOD).p50Ms()).as("nothing answered in the interval").isNaN();
    }

    @Test
    void shouldKeepOneHourAndCountTheLastFiveMinutesWhenSampledForLonger() {
        // given: 2 uploads per interval for 70 minutes
        int intervals = (int) (Duration.ofMinutes(70).toMillis() / PERIOD);
        for (int i = 1; i <= intervals; i++) {
            answer(2, Outcome.COALESCED, 500);
            history.sample(START + i * PERIOD);
        }
        answer(1, Outcome.FAILED, 500);
        long now = START + intervals * PERIOD + 1_000;
        // when
        JsonNode json = page.json(now);
        // then
        assertThat(history.samples()).hasSize(StatusHistory.SAMPLES);
        assertThat(json.get("history")).as("each point's interval needs the sample before it").hasSize(StatusHistory.SAMPLES - 1);
        assertThat(json.get("history").get(0).get("uploads").get("COALESCED").asLong()).isEqualTo(2);
        assertThat(json.get("sinceStart").get("uploads").asLong()).isEqualTo(2L * intervals + 1);
        assertThat(json.get("window").get("seconds").asLong()).isEqualTo(301);
        assertThat(json.get("window").get("uploads").asLong()).isEqualTo(2 * 30 + 1);
        assertThat(json.get("window").get("outcomes").get("FAILED").asLong()).isEqualTo(1);
        assertThat(json.get("window").get("hitRatio").asDouble()).isCloseTo(60.0 / 61, within(1e-9));
    }

    @Test
    void shouldListTheLatestAnswersAndDeadLettersNewestFirstWhenMoreArrive() {
        // given
        for (int i = 0; i < RecentActivity.UPLOADS + 5; i++) {
            metrics.answered(DejaMetricsTest.output("thumbs", "thumbnail", Outcome.CACHED, i), 10L);
        }
        metrics.deadLetter("value is not JSON: x");
        metrics.deadLetter("no Records array");
        // when
        JsonNode json = page.json(START);
        // then
        assertThat(json.get("recent")).hasSize(RecentActivity.UPLOADS);
        assertThat(json.get("recent").get(0).get("latencyMs").asLong()).isEqualTo(RecentActivity.UPLOADS + 4);
        assertThat(json.get("deadLetters").get(0).get("reason").asText()).isEqualTo("no Records array");
        assertThat(json.get("deadLetters").get(1).get("reason").asText()).isEqualTo("value is not JSON: x");
    }

    @Test
    void shouldLinkOnlyAddressesWithoutCredentialsWhenAResultNamesAnObject() {
        assertThat(StatusPage.safeLink("https://cdn.example.com/thumbs/a.png")).isTrue();
        assertThat(StatusPage.safeLink("s3://thumbnails/thumbs/a.png")).as("not readable by the browser").isFalse();
        assertThat(StatusPage.safeLink("https://minio.example.com/thumbs/a.png?X-Amz-Signature=abc")).as("presigned").isFalse();
        assertThat(StatusPage.safeLink("https://user:secret@example.com/a.png")).isFalse();
        assertThat(StatusPage.safeLink("javascript:alert(1)")).isFalse();
    }

    private void answer(int times, Outcome outcome, long latencyMs) {
        for (int i = 0; i < times; i++) {
            metrics.answered(DejaMetricsTest.output("thumbs", "thumbnail", outcome, latencyMs), 100L);
        }
    }
}
