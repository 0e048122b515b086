package dev.deja.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deja.app.DejaApp;
import dev.deja.app.Role;
import dev.deja.config.DejaConfig;
import dev.deja.local.Demo;
import dev.deja.local.LocalStack;
import dev.deja.model.OutputRecord;
import java.io.File;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page at {@code /} in a real browser (headless Chromium, Debian's {@code chromium}) against a running
 * Deja on the embedded stack: the figures it shows are those of {@code /metrics}, it lists the uploads and the
 * dead letter's reason, its search finds an object's output and entry, and it shows no secret.
 */
class StatusPageStackTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldShowTheFiguresOfMetricsAndTheLatestUploadsWhenLoadedInABrowser() throws Exception {
        Optional<Path> chromium = chromium();
        Assumptions.assumeTrue(chromium.isPresent(), "headless Chromium is not installed (Debian: apt-get install chromium;"
                + " scripts/test installs it as root): the status page is not checked in a browser");
        try (LocalStack stack = LocalStack.start(dir, new LocalStack.Options(false, 100, Duration.ZERO))) {
            // given
            Map<String, String> settings = stack.settingsWithSecrets();
            DejaConfig config = DejaConfig.load(null, Map.of(), settings);
            try (DejaApp app = DejaApp.start(config, Role.ALL)) {
                app.awaitRunning(WAIT);
                List<OutputRecord> outputs = Demo.run(stack, config, new Demo.Plan(12, 4, 2, 17), WAIT, line -> { }).outputs();
                sendBadEvent(stack, config);
                awaitDeadLetter(app);
                String base = "http://127.0.0.1:" + app.adminPort() + "/";
                OutputRecord looked = outputs.get(0);
                // when
                String page = dom(chromium.get(), base);
                String search = dom(chromium.get(), base + "?q=" + URLEncoder.encode(looked.object().path(), StandardCharsets.UTF_8));
                String metrics = get(base + "metrics");
                String json = get(base + "status.json");
                // then
                double uploads = sum(metrics, "deja_uploads_total");
                double saved = sum(metrics, "deja_invocations_saved_total");
                double withinSla = sum(metrics, "deja_uploads_within_sla_total");
                assertThat(uploads).isEqualTo(12);
                assertThat(cell(page, "uploads-total")).isEqualTo(count(uploads));
                assertThat(cell(page, "uploads-window")).isEqualTo(count(uploads));
                assertThat(cell(page, "invocations-total")).isEqualTo(count(sum(metrics, "deja_invocations_requested_total")));
                assertThat(cell(page, "saved-total")).isEqualTo(count(saved));
                assertThat(cell(page, "compute-total"))
                        .isEqualTo(String.format(Locale.ROOT, "%.1f s", sum(metrics, "deja_compute_saved_seconds_total")));
                assertThat(cell(page, "hit-total")).isEqualTo(String.format(Locale.ROOT, "%.1f%%", 100 * saved / uploads));
                assertThat(cell(page, "sla-total")).isEqualTo(String.format(Locale.ROOT, "%.1f%%", 100 * withinSla / uploads));
                assertThat(cell(page, "dead-total")).isEqualTo(count(sum(metrics, "deja_dead_letters_total"))).isEqualTo("1");
                assertThat(cell(page, "breaker")).isEqualTo("closed");
                assertThat(rows(page, "upload", "object")).as("the latest uploads list every object")
                        .containsExactlyInAnyOrderElementsOf(outputs.stream().map(o -> o.object().path()).toList());
                assertThat(rows(page, null, "reason")).singleElement().asString().startsWith("value is not JSON");
                assertThat(page).contains("s3://" + LocalStack.THUMBNAILS + "/");
                assertThat(between(search, "<pre id=\"search-result\">", "</pre>"))
                        .contains("\"dedupKey\": \"" + looked.dedupKey() + "\"", "\"status\": \"DONE\"",
                                "\"outcome\": \"" + looked.outcome() + "\"");
                for (String secret : List.of(settings.get(DejaConfig.OPENWHISK_AUTH_CONFIG),
                        settings.get(DejaConfig.S3_SECRET_KEY_CONFIG), settings.get(DejaConfig.S3_ACCESS_KEY_CONFIG))) {
                    assertThat(page + search + json).as("no secret on the page").doesNotContain(secret);
                }
            }
        }
    }

    /** Chromium on the PATH ({@code chromium}, or {@code chromium-browser} elsewhere). */
    static Optional<Path> chromium() {
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.of(path.split(File.pathSeparator)).flatMap(d -> Stream.of("chromium", "chromium-browser")
                .map(name -> Path.of(d, name))).filter(Files::isExecutable).findFirst();
    }

    /** The page's DOM after its script ran, as headless Chromium renders it. */
    private String dom(Path chromium, String url) throws Exception {
        Path profile = Files.createTempDirectory(dir, "chromium");
        List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--user-data-dir=" + profile, "--virtual-time-budget=4000", "--dump-dom", url));
        Process process = new ProcessBuilder(command).redirectError(dir.resolve("chromium.log").toFile()).start();
        byte[] out = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        String dom = new String(out, StandardCharsets.UTF_8);
        assertThat(dom).as("the page's script ran (chromium log: %s)", dir.resolve("chromium.log")).contains("data-loaded=");
        return dom;
    }

    private static String cell(String dom, String id) {
        Matcher m = Pattern.compile("id=\"" + id + "\"[^>]*>([^<]*)<").matcher(dom);
        assertThat(m.find()).as("element #%s on the page", id).isTrue();
        return m.group(1);
    }

    /** The text of the cells of class {@code cellClass} (in rows of class {@code rowClass}, when given). */
    private static List<String> rows(String dom, String rowClass, String cellClass) {
        List<String> found = new ArrayList<>();
        Matcher m = Pattern.compile("<td[^>]*class=\"" + cellClass + "\"[^>]*>([^<]*)</td>").matcher(dom);
        while (m.find()) {
            found.add(m.group(1).replace("&amp;", "&"));
        }
        if (rowClass != null) {
            assertThat(dom.split("<tr class=\"" + rowClass + "\"", -1)).hasSize(found.size() + 1);
        }
        return found;
    }

    private static String between(String text, String from, String to) {
        int start = text.indexOf(from);
        assertThat(start).as("%s on the page", from).isNotNegative();
        return text.substring(start + from.length(), text.indexOf(to, start)).replace("&quot;", "\"");
    }

    /** The sum of every series of a metric in a Prometheus scrape. */
    private static double sum(String scrape, String name) {
        return scrape.lines().filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static String count(double value) {
        return Long.toString(Math.round(value));
    }

    private static void sendBadEvent(LocalStack stack, DejaConfig config) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(config.getString(DejaConfig.INPUT_TOPIC_CONFIG), "photos/broken", "not json"))
                    .get(10, TimeUnit.SECONDS);
        }
    }

    private static void awaitDeadLetter(DejaApp app) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (app.metrics().deadLetters() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(app.metrics().deadLetters()).as("the bad event reached the dead-letter topic").isEqualTo(1);
    }

    private String get(String url) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s", url).isEqualTo(200);
        return response.body();
    }
}
