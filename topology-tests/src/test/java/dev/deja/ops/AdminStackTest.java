package dev.deja.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deja.app.DejaApp;
import dev.deja.app.Role;
import dev.deja.cli.Deja;
import dev.deja.config.DejaConfig;
import dev.deja.local.Demo;
import dev.deja.local.LocalStack;
import dev.deja.serde.Json;
import dev.deja.topology.DejaTopology;
import dev.deja.model.OutputRecord;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The admin endpoint and {@code deja status} against a running Deja on the embedded stack. */
class AdminStackTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldServeHealthMetricsAndEntriesWhenDejaRuns() throws Exception {
        try (LocalStack stack = LocalStack.start(dir, new LocalStack.Options(false, 100, Duration.ZERO))) {
            // given
            DejaConfig config = DejaConfig.load(null, Map.of(), stack.settingsWithSecrets());
            try (DejaApp app = DejaApp.start(config, Role.ALL)) {
                app.awaitRunning(WAIT);
                OutputRecord output = Demo.run(stack, config, new Demo.Plan(12, 3, 2, 11), WAIT, line -> { }).outputs().get(0);
                String base = "http://127.0.0.1:" + app.adminPort();
                // when
                HttpResponse<String> health = get(base + "/health");
                HttpResponse<String> metrics = get(base + "/metrics");
                HttpResponse<String> entry = get(base + "/entries/" + AdminServer.encode(output.dedupKey()));
                HttpResponse<String> absent = get(base + "/entries/" + AdminServer.encode("thumbnail@0.0.1#000000:" + "0".repeat(32)));
                HttpResponse<String> byMd5 = get(base + "/md5/" + output.contentMd5());
                // then
                assertThat(health.statusCode()).isEqualTo(200);
                assertThat(health.body()).isEqualTo("{\"status\":\"UP\",\"dedup\":\"RUNNING\",\"invoker\":\"RUNNING\"}");
                assertThat(metrics.statusCode()).isEqualTo(200);
                assertThat(metrics.headers().firstValue("Content-Type")).hasValue(AdminServer.METRICS_CONTENT_TYPE);
                assertThat(metrics.body()).contains("deja_uploads_total{action=\"thumbnail\",outcome=\"INVOKED\",rule=\"thumbs\"} 3.0",
                        "deja_breaker_state{state=\"closed\"} 1.0", "deja_invoker_in_flight 0.0");
                assertThat(entry.statusCode()).isEqualTo(200);
                assertThat(Json.MAPPER.readTree(entry.body()).get("dedupKey").asText()).isEqualTo(output.dedupKey());
                assertThat(Json.MAPPER.readTree(entry.body()).get("status").asText()).isEqualTo("DONE");
                assertThat(absent.statusCode()).isEqualTo(404);
                assertThat(Json.MAPPER.readTree(byMd5.body()).get(0).get("dedupKey").asText()).isEqualTo(output.dedupKey());
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldPrintTheEntryWhenAskingStatusByKeyMd5OrObject() throws Exception {
        try (LocalStack stack = LocalStack.start(dir, new LocalStack.Options(false, 100, Duration.ZERO))) {
            // given
            DejaConfig config = DejaConfig.load(null, Map.of(), stack.settingsWithSecrets());
            Path file = stack.writeConfig(dir.resolve("deja.properties"));
            try (DejaApp app = DejaApp.start(config, Role.ALL)) {
                app.awaitRunning(WAIT);
                OutputRecord output = Demo.run(stack, config, new Demo.Plan(12, 3, 2, 11), WAIT, line -> { }).outputs().get(0);
                String admin = "deja.admin.address=127.0.0.1:" + app.adminPort();
                // when
                Result byKey = status(file, admin, output.dedupKey());
                Result byMd5 = status(file, admin, output.contentMd5());
                Result byObject = status(file, admin, output.object().path());
                Result unknown = status(file, admin, "thumbnail@0.0.1#000000:" + "0".repeat(32));
                // then
                assertThat(byKey.code()).isZero();
                assertThat(byKey.out()).contains("dedup key    " + output.dedupKey(), "status       DONE",
                        "action       thumbnail@0.0.1", "md5          " + output.contentMd5(), "activation   " + output.activationId(),
                        "result       {\"thumbnail\":", "source       live table");
                assertThat(byMd5.code()).isZero();
                assertThat(byMd5.out()).contains("dedup key    " + output.dedupKey());
                assertThat(byObject.code()).isZero();
                assertThat(byObject.out()).contains(output.object().path() + ": latest output", "outcome " + output.outcome(),
                        "dedup key " + output.dedupKey(), "  status       DONE");
                assertThat(unknown.code()).isEqualTo(1);
                assertThat(unknown.out()).contains("no entry for dedup key");
            }
        }
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void shouldForwardToTheOwnerWhenAnotherInstanceHoldsTheKey() throws Exception {
        try (LocalStack stack = LocalStack.start(dir, new LocalStack.Options(false, 100, Duration.ZERO))) {
            // given
            DejaConfig config = DejaConfig.load(null, Map.of(), stack.settingsWithSecrets());
            Map<String, String> second = new HashMap<>(stack.settingsWithSecrets());
            second.put(DejaConfig.STATE_DIR_CONFIG, dir.resolve("state-2").toString());
            try (DejaApp first = DejaApp.start(config, Role.ALL);
                 DejaApp other = DejaApp.start(DejaConfig.load(null, Map.of(), second), Role.DEDUP)) {
                first.awaitRunning(WAIT);
                other.awaitRunning(WAIT);
                List<OutputRecord> outputs = Demo.run(stack, config, new Demo.Plan(20, 10, 2, 13), WAIT, line -> { }).outputs();
                Set<String> keys = outputs.stream().map(OutputRecord::dedupKey).collect(Collectors.toSet());
                Set<Integer> owners = keys.stream().map(key -> first.dedupStreams()
                        .queryMetadataForKey(DejaTopology.TABLE_STORE, key, Serdes.String().serializer()).activeHost().port())
                        .collect(Collectors.toSet());
                // when
                List<Integer> statuses = keys.stream().flatMap(key -> List.of(first.adminPort(), other.adminPort()).stream()
                        .map(port -> get("http://127.0.0.1:" + port + "/entries/" + AdminServer.encode(key)).statusCode())).toList();
                // then
                assertThat(owners).containsExactlyInAnyOrder(first.adminPort(), other.adminPort());
                assertThat(statuses).hasSize(2 * keys.size()).containsOnly(200);
            }
        }
    }

    private record Result(int code, String out) {
    }

    private static Result status(Path file, String admin, String target) {
        StringWriter out = new StringWriter();
        CommandLine cli = Deja.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(out));
        int code = cli.execute("status", "--config", file.toString(), "--set", admin, target);
        return new Result(code, out.toString());
    }

    private HttpResponse<String> get(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError("GET " + url + " failed", e);
        }
    }
}
