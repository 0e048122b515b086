package dev.deja.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deja.app.DejaApp;
import dev.deja.app.Role;
import dev.deja.config.DejaConfig;
import dev.deja.local.Demo;
import dev.deja.local.LocalStack;
import dev.deja.testing.Await;
import dev.deja.testing.RepoRoot;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator's tools see of a running Deja on the embedded stack: every metric the alert rules
 * and the dashboard under {@code deploy/} query is in a scrape of a running instance, and a process
 * whose action is missing waits for it alive but not ready, instead of failing its start.
 */
class OperatorsStackTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Series names in PromQL: Deja's, Kafka's client metrics and the JVM's, as the registry renders them. */
    private static final Pattern SERIES = Pattern.compile("\\b((?:deja|kafka|jvm|process)_[a-z0-9_]+)\\b");

    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void shouldScrapeEveryMetricTheAlertsAndDashboardQueryWhenDejaRuns() throws Exception {
        try (LocalStack stack = LocalStack.start(dir, new LocalStack.Options(true, 100, Duration.ZERO))) {
            // given: with the CouchDB mirror (pouchdb-server), whose lag the rules watch
            Assumptions.assumeTrue(stack.couch().isPresent(), "pouchdb-server is not installed (scripts/test installs it)");
            DejaConfig config = DejaConfig.load(null, Map.of(), stack.settingsWithSecrets());
            try (DejaApp app = DejaApp.start(config, Role.ALL)) {
                app.awaitRunning(WAIT);
                Demo.run(stack, config, new Demo.Plan(12, 3, 2, 11), WAIT, line -> { });
                // when
                String scrape = get("http://127.0.0.1:" + app.adminPort() + "/metrics").body();
                Files.writeString(Files.createDirectories(RepoRoot.path().resolve("topology-tests/target")).resolve("metrics-scrape.txt"),
                        scrape, StandardCharsets.UTF_8);
                // then
                Set<String> scraped = new TreeSet<>();
                Matcher names = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]").matcher(scrape);
                while (names.find()) {
                    scraped.add(names.group(1));
                }
                Set<String> queried = queriedSeries();
                assertThat(queried).as("series the rules and the dashboard query").hasSizeGreaterThan(10);
                assertThat(scraped).containsAll(queried);
                assertThat(scrape).contains("deja_uploads_total{action=\"thumbnail\",outcome=\"INVOKED\",rule=\"thumbs\"} 3.0",
                        "deja_breaker_state{state=\"closed\"} 1.0", "deja_breaker_state{state=\"open\"} 0.0",
                        "deja_streams_running{application=\"dedup\"} 1.0", "deja_openwhisk_http_responses_total{action=\"thumbnail\",operation=\"invoke\",status=\"202\"}");
            }
        }
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void shouldWaitAliveButNotReadyWhenTheRuleActionIsMissing() throws Exception {
        try (LocalStack stack = LocalStack.start(dir, new LocalStack.Options(false, 100, Duration.ZERO))) {
            // given: a rule naming an action OpenWhisk does not have
            Map<String, String> settings = new HashMap<>(stack.settingsWithSecrets());
            settings.put("deja.rule.thumbs.action", "not-deployed");
            settings.put(DejaConfig.ADMIN_ADDRESS_CONFIG, "127.0.0.1:" + freePort());
            DejaConfig config = DejaConfig.load(null, Map.of(), settings);
            String base = "http://" + config.getString(DejaConfig.ADMIN_ADDRESS_CONFIG);
            DejaApp app = DejaApp.create(config);
            // when
            CompletableFuture<DejaApp> started = CompletableFuture.supplyAsync(() -> app.run(Role.ALL));
            Await.until(WAIT, () -> started.isDone() || bodyOrEmpty(base + "/health/live").contains("\"invoker\":\"RUNNING\""),
                    "the invoker runs while dedup waits");
            HttpResponse<String> live = get(base + "/health/live");
            HttpResponse<String> ready = get(base + "/health/ready");
            Thread.sleep(6_000); // longer than a retry: still waiting, not failed
            boolean stillWaiting = !started.isDone();
            app.close();
            // then
            assertThat(live.statusCode()).isEqualTo(200);
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("\"dedup\":\"CREATED\"");
            assertThat(stillWaiting).isTrue();
            assertThatThrownBy(() -> started.get(30, TimeUnit.SECONDS)).hasMessageContaining("stopped while waiting for OpenWhisk action(s) [not-deployed]");
        }
    }

    /** Every series name in deploy/prometheus's rules and the Grafana dashboard. */
    private static Set<String> queriedSeries() throws IOException {
        Set<String> names = new TreeSet<>();
        Path deploy = RepoRoot.path().resolve("deploy");
        List<Path> files;
        try (Stream<Path> walk = Files.walk(deploy)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(f -> f.toString().endsWith("-rules.yaml") || f.toString().endsWith("dashboard.json")).toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(2);
        for (Path file : files) {
            Matcher matcher = SERIES.matcher(Files.readString(file, StandardCharsets.UTF_8));
            while (matcher.find()) {
                names.add(matcher.group(1));
            }
        }
        // recording rules' outputs (deja:...) are not scraped; label names like kafka_... never occur
        return names;
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** The body, or "" while nothing answers (the endpoint is not bound yet). */
    private String bodyOrEmpty(String url) {
        try {
            return get(url).body();
        } catch (java.io.UncheckedIOException e) {
            return "";
        }
    }

    private HttpResponse<String> get(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
