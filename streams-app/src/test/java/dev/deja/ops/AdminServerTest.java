package dev.deja.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deja.model.Outcome;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AdminServerTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<String, KafkaStreams.State> states = new LinkedHashMap<>();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AdminServer admin = AdminServer.start("127.0.0.1:0", () -> new LinkedHashMap<>(states), registry::scrape,
            () -> null, md5 -> List.of());

    @AfterEach
    void stop() {
        admin.close();
        registry.close();
    }

    @Test
    void shouldReportUpWhenEveryApplicationRuns() throws Exception {
        // given
        states.put("dedup", KafkaStreams.State.RUNNING);
        states.put("invoker", KafkaStreams.State.RUNNING);
        // when
        HttpResponse<String> response = get("/health");
        // then
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"status\":\"UP\",\"dedup\":\"RUNNING\",\"invoker\":\"RUNNING\"}");
    }

    @Test
    void shouldReportDownWithTheStatesWhenOneApplicationRebalances() throws Exception {
        // given
        states.put("dedup", KafkaStreams.State.REBALANCING);
        states.put("invoker", KafkaStreams.State.RUNNING);
        // when
        HttpResponse<String> response = get("/health");
        // then
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).contains("\"status\":\"DOWN\"", "\"dedup\":\"REBALANCING\"", "\"invoker\":\"RUNNING\"");
    }

    @ParameterizedTest
    @CsvSource({
            "RUNNING, RUNNING, 200, 200",
            "REBALANCING, RUNNING, 200, 503",
            "CREATED, RUNNING, 200, 503",
            "ERROR, RUNNING, 503, 503",
            "NOT_RUNNING, RUNNING, 503, 503"})
    void shouldTellLiveFromReadyWhenAnApplicationIsInAState(KafkaStreams.State dedup, KafkaStreams.State invoker,
            int live, int ready) throws Exception {
        // given
        states.put("dedup", dedup);
        states.put("invoker", invoker);
        // when
        HttpResponse<String> liveness = get("/health/live");
        HttpResponse<String> readiness = get("/health/ready");
        HttpResponse<String> health = get("/health");
        // then: restoring and rebalancing are alive, and only RUNNING is ready (/health is /health/ready)
        assertThat(liveness.statusCode()).isEqualTo(live);
        assertThat(readiness.statusCode()).isEqualTo(ready);
        assertThat(health.statusCode()).isEqualTo(ready);
        assertThat(readiness.body()).contains("\"dedup\":\"" + dedup + "\"");
    }

    @Test
    void shouldServePrometheusTextWhenMetricsAreAsked() throws Exception {
        // given
        DejaMetrics metrics = new DejaMetrics(registry, 1_000);
        metrics.answered(DejaMetricsTest.output("thumbs", "thumbnail", Outcome.CACHED, 10), 100L);
        // when
        HttpResponse<String> response = get("/metrics");
        // then
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue(AdminServer.METRICS_CONTENT_TYPE);
        assertThat(response.body()).contains("deja_uploads_total{action=\"thumbnail\",outcome=\"CACHED\",rule=\"thumbs\"} 1.0");
    }

    @Test
    void shouldAnswerUnavailableWhenThisProcessRunsNoDedupApplication() throws Exception {
        // when
        HttpResponse<String> response = get("/entries/" + AdminServer.encode("thumbnail@1#abc:" + "0".repeat(32)));
        // then
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).contains("does not run the dedup application");
    }

    @Test
    void shouldAnswerNotFoundWhenThePathIsUnknown() throws Exception {
        // when
        HttpResponse<String> response = get("/nothing");
        // then
        assertThat(response.statusCode()).isEqualTo(404);
    }

    @Test
    void shouldServeTheStatusPageFromThisOriginOnlyWhenAPageIsGiven() throws Exception {
        // given
        DejaMetrics metrics = new DejaMetrics(registry, 10_000);
        metrics.answered(DejaMetricsTest.output("thumbs", "thumbnail", Outcome.CACHED, 40), 10L);
        StatusPage page = new StatusPage(metrics, new StatusHistory(metrics, 0), Map::of, path -> List.of());
        try (AdminServer withPage = AdminServer.start("127.0.0.1:0", null, Map::of, registry::scrape, () -> null,
                md5 -> List.of(), page)) {
            String base = "http://127.0.0.1:" + withPage.port();
            // when
            HttpResponse<String> html = http.send(HttpRequest.newBuilder(URI.create(base + "/")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> script = http.send(HttpRequest.newBuilder(URI.create(base + "/status.js")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> json = http.send(HttpRequest.newBuilder(URI.create(base + "/status.json")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            // then
            assertThat(html.statusCode()).isEqualTo(200);
            assertThat(html.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            assertThat(html.headers().firstValue("Content-Security-Policy")).hasValue(AdminServer.PAGE_POLICY);
            assertThat(html.body()).contains("<script src=\"status.js\"").doesNotContain("http://", "https://");
            assertThat(script.body()).doesNotContain("innerHTML", "eval(");
            assertThat(json.body()).contains("\"uploads\":1", "\"outcome\":\"CACHED\"");
        }
        assertThat(get("/").statusCode()).as("no page given").isEqualTo(404);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
