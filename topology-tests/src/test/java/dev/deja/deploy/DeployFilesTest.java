package dev.deja.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.deja.config.DejaConfig;
import dev.deja.testing.RepoRoot;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Static checks of {@code deploy/}: the Kubernetes manifests against each other and against
 * {@link DejaConfig}, the Prometheus rules with {@code promtool} and every YAML file with
 * {@code yamllint} when they are installed (Debian's {@code prometheus} and {@code yamllint};
 * {@code scripts/test} installs them on CI), and the Grafana dashboard.
 */
class DeployFilesTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET_PLACEHOLDER = "00000000-0000-0000-0000-000000000000:" + "k".repeat(64);

    private final Path root = RepoRoot.path();
    private final Path kubernetes = root.resolve("deploy/kubernetes");

    @ParameterizedTest
    @ValueSource(strings = {"dedup", "invoker"})
    void shouldRunOneStatefulSetPerRoleWithItsOwnStateWhenApplied(String role) throws IOException {
        // given
        List<JsonNode> docs = readYaml(kubernetes.resolve(role + ".yaml"));
        JsonNode sts = kind(docs, "StatefulSet");
        JsonNode service = kind(docs, "Service");
        JsonNode pdb = kind(docs, "PodDisruptionBudget");
        JsonNode pod = sts.at("/spec/template");
        JsonNode container = pod.at("/spec/containers/0");
        Map<String, String> env = env(container);
        DejaConfig config = load(env);

        // then: the role, and labels that the service, the PDB and the selector agree on
        assertThat(strings(container.path("args"))).containsSubsequence("run", "--config", "/etc/deja/deja.properties")
                .containsSubsequence("--role", role);
        JsonNode labels = pod.at("/metadata/labels");
        assertThat(sts.at("/spec/selector/matchLabels")).isEqualTo(service.at("/spec/selector"))
                .isEqualTo(pdb.at("/spec/selector/matchLabels"));
        labels.fields().forEachRemaining(label -> assertThat(sts.at("/spec/selector/matchLabels").path(label.getKey()))
                .isEqualTo(label.getValue()));
        assertThat(labels.path("app.kubernetes.io/component").asText()).isEqualTo(role);
        // a headless service per role, the StatefulSet's serviceName
        assertThat(service.at("/spec/clusterIP").asText()).isEqualTo("None");
        assertThat(sts.at("/spec/serviceName").asText()).isEqualTo(service.at("/metadata/name").asText());
        // state.dir on the volume claim
        String stateDir = config.getString(DejaConfig.STATE_DIR_CONFIG);
        String claim = sts.at("/spec/volumeClaimTemplates/0/metadata/name").asText();
        assertThat(mounts(container)).containsEntry(claim, stateDir);
        assertThat(mounts(container)).containsEntry(pod.at("/spec/volumes/0/name").asText(), "/etc/deja");
        assertThat(pod.at("/spec/volumes/0/configMap/name").asText()).isEqualTo("deja-config");
        assertThat(pdb.at("/spec/maxUnavailable").asInt()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"dedup", "invoker"})
    void shouldNameEachPodForStaticMembershipAndQueriesWhenPodsStart(String role) throws IOException {
        // given
        List<JsonNode> docs = readYaml(kubernetes.resolve(role + ".yaml"));
        JsonNode sts = kind(docs, "StatefulSet");
        JsonNode container = sts.at("/spec/template/spec/containers/0");
        Map<String, String> env = env(container);
        int adminPort = port(container, "admin");

        // then: instance id and application.server from the pod's name, reachable through the headless service
        assertThat(env).containsEntry(DejaConfig.envName(DejaConfig.INSTANCE_ID_CONFIG), "$(POD_NAME)");
        assertThat(env.get(DejaConfig.envName(StreamsConfig.APPLICATION_SERVER_CONFIG)))
                .isEqualTo("$(POD_NAME)." + sts.at("/spec/serviceName").asText() + ".$(POD_NAMESPACE).svc.cluster.local:" + adminPort);
        assertThat(fieldRefs(container)).containsEntry("POD_NAME", "metadata.name").containsEntry("POD_NAMESPACE", "metadata.namespace");
        // the admin endpoint on every address, on the port the probes and the service use
        assertThat(env).containsEntry(DejaConfig.envName(DejaConfig.ADMIN_ADDRESS_CONFIG), "0.0.0.0:" + adminPort);
        assertThat(load(env).instanceId()).isEqualTo("$(POD_NAME)");
        JsonNode service = kind(docs, "Service");
        assertThat(service.at("/spec/ports/0/port").asInt()).isEqualTo(adminPort);
        assertThat(service.at("/spec/ports/0/targetPort").asText()).isEqualTo("admin");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dedup", "invoker"})
    void shouldProbeLivenessReadinessAndStartupWhenPodsRun(String role) throws IOException {
        // given
        JsonNode sts = kind(readYaml(kubernetes.resolve(role + ".yaml")), "StatefulSet");
        JsonNode container = sts.at("/spec/template/spec/containers/0");

        // then: liveness never kills a pod that is restoring (that is /health/ready's business)
        assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/health/live");
        assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/health/ready");
        assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/health/live");
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
            assertThat(container.at("/" + probe + "/httpGet/port").asText()).isEqualTo("admin");
        }
        long startupSeconds = container.at("/startupProbe/periodSeconds").asLong() * container.at("/startupProbe/failureThreshold").asLong();
        assertThat(startupSeconds).as("startup tolerates a restore").isGreaterThanOrEqualTo(300);
    }

    @ParameterizedTest
    @ValueSource(strings = {"dedup", "invoker"})
    void shouldLeaveTimeToDrainAndFitTheHeapWhenPodsStop(String role) throws IOException {
        // given
        JsonNode container = kind(readYaml(kubernetes.resolve(role + ".yaml")), "StatefulSet").at("/spec/template/spec/containers/0");
        JsonNode spec = kind(readYaml(kubernetes.resolve(role + ".yaml")), "StatefulSet").at("/spec/template/spec");
        Map<String, String> env = env(container);
        DejaConfig config = load(env);

        // when
        long graceMs = spec.path("terminationGracePeriodSeconds").asLong() * 1000;
        long limit = bytes(container.at("/resources/limits/memory").asText());
        long rocksdb = config.getLong(DejaConfig.ROCKSDB_CACHE_BYTES_CONFIG);
        long overhead = Long.parseLong(env.get("JVM_OVERHEAD_BYTES"));

        // then: the drain, and each Kafka Streams application's close (up to 30 s); the heap formula leaves a heap
        assertThat(graceMs).isGreaterThanOrEqualTo(config.getLong(DejaConfig.INVOKER_DRAIN_TIMEOUT_CONFIG) + 2 * 30_000);
        assertThat(limit - rocksdb - overhead).isGreaterThanOrEqualTo(512L << 20);
        assertThat(container.at("/resources/requests/memory").asText()).isEqualTo(container.at("/resources/limits/memory").asText());
        assertThat(spec.at("/securityContext/runAsUser").asInt()).isEqualTo(10001);
    }

    @Test
    void shouldSetOnlyKnownKeysAndKeepSecretsInTheSecretWhenPodsAreConfigured() throws IOException {
        // given
        Set<String> known = new HashSet<>();
        DejaConfig.CONFIG.names().forEach(key -> known.add(DejaConfig.envName(key)));
        StreamsConfig.configDef().names().forEach(key -> known.add(DejaConfig.envName(key)));
        List<String> unknown = new ArrayList<>();
        List<String> literalSecrets = new ArrayList<>();

        // when
        for (String role : List.of("dedup", "invoker")) {
            JsonNode container = kind(readYaml(kubernetes.resolve(role + ".yaml")), "StatefulSet").at("/spec/template/spec/containers/0");
            for (JsonNode var : container.path("env")) {
                String name = var.path("name").asText();
                if (name.startsWith(DejaConfig.ENV_PREFIX) && !known.contains(name)) {
                    unknown.add(role + ": " + name);
                }
                if (name.matches(".*(AUTH|SECRET|PASSWORD|ACCESS_KEY).*") && var.at("/valueFrom/secretKeyRef/name").isMissingNode()) {
                    literalSecrets.add(role + ": " + name);
                }
            }
        }
        Map<String, String> properties = DejaConfig.readProperties(kubernetes.resolve("deja.properties"));

        // then
        assertThat(unknown).as("DEJA_* variables no config key reads").isEmpty();
        assertThat(literalSecrets).isEmpty();
        assertThat(properties.keySet()).noneMatch(key -> key.matches(".*(password|secret|auth|access\\.key|sasl\\.jaas).*"));
    }

    @Test
    void shouldBundleEveryManifestAndTheRulesWhenKustomized() throws IOException {
        // given
        JsonNode kustomization = readYaml(kubernetes.resolve("kustomization.yaml")).get(0);

        // then
        assertThat(strings(kustomization.path("resources"))).containsExactlyInAnyOrder("dedup.yaml", "invoker.yaml");
        List<String> files = new ArrayList<>();
        kustomization.path("configMapGenerator").forEach(generator -> strings(generator.path("files")).forEach(files::add));
        assertThat(files).contains("deja.properties", "deja-rules.yaml=../prometheus/deja-rules.yaml");
        for (String file : files) {
            assertThat(kubernetes.resolve(file.substring(file.indexOf('=') + 1))).isRegularFile();
        }
    }

    @Test
    void shouldScrapeTheAdminPortOfEveryPodWhenPrometheusDiscoversThem() throws IOException {
        // given
        JsonNode prometheus = readYaml(root.resolve("deploy/prometheus/prometheus.yaml")).get(0);
        JsonNode job = prometheus.at("/scrape_configs/0");
        JsonNode podMonitor = readYaml(kubernetes.resolve("podmonitor.yaml")).get(0);
        JsonNode labels = kind(readYaml(kubernetes.resolve("dedup.yaml")), "StatefulSet").at("/spec/template/metadata/labels");

        // then
        assertThat(job.path("metrics_path").asText()).isEqualTo("/metrics");
        assertThat(job.toString()).contains("__meta_kubernetes_pod_label_app_kubernetes_io_name", "\"regex\":\"deja\"",
                "__meta_kubernetes_pod_container_port_name", "\"regex\":\"admin\"");
        assertThat(labels.path("app.kubernetes.io/name").asText()).isEqualTo("deja");
        assertThat(strings(prometheus.path("rule_files"))).containsExactly("deja-rules.yaml");
        assertThat(podMonitor.at("/spec/podMetricsEndpoints/0/port").asText()).isEqualTo("admin");
        assertThat(podMonitor.at("/spec/selector/matchLabels/app.kubernetes.io~1name").asText()).isEqualTo("deja");
    }

    @Test
    void shouldAlertOnEveryFailureTheRunbookNamesWhenRulesAreLoaded() throws IOException {
        // given
        JsonNode rules = readYaml(root.resolve("deploy/prometheus/deja-rules.yaml")).get(0);
        Map<String, String> alerts = new LinkedHashMap<>();
        rules.path("groups").forEach(group -> group.path("rules").forEach(rule -> {
            if (rule.has("alert")) {
                alerts.put(rule.get("alert").asText(), rule.path("expr").asText());
                assertThat(rule.at("/labels/severity").asText()).isIn("warning", "critical");
                assertThat(rule.at("/annotations/summary").asText()).isNotBlank();
            }
        }));

        // then
        assertThat(alerts).containsOnlyKeys("DejaSlaMissedFast", "DejaSlaMissed", "DejaBreakerOpen", "DejaDeadLetters",
                "DejaConsumerLagGrowing", "DejaMirrorLagging", "DejaNotRunning", "DejaInvokerNotRunning");
        assertThat(alerts.get("DejaSlaMissedFast")).contains("rate5m").contains("0.99");
        assertThat(alerts.get("DejaSlaMissed")).contains("rate1h").contains("0.99");
        assertThat(alerts.get("DejaBreakerOpen")).contains("deja_breaker_state{state=\"open\"}");
        assertThat(alerts.get("DejaNotRunning")).contains("absent(");
    }

    @Test
    void shouldPassPromtoolWhenItIsInstalled() throws Exception {
        Assumptions.assumeTrue(onPath("promtool"), "promtool is not installed (Debian's prometheus package)");
        // when
        Result result = run("promtool", "check", "rules", root.resolve("deploy/prometheus/deja-rules.yaml").toString());
        // then
        assertThat(result.code()).as(result.out()).isZero();
        assertThat(result.out()).contains("SUCCESS: 13 rules found");
    }

    @Test
    void shouldPassYamllintWhenItIsInstalled() throws Exception {
        Assumptions.assumeTrue(onPath("yamllint"), "yamllint is not installed");
        // given
        List<String> command = new ArrayList<>(List.of("yamllint", "--strict", "-c", root.resolve(".yamllint.yaml").toString()));
        try (Stream<Path> files = Stream.concat(Files.walk(root.resolve("deploy")), Files.walk(root.resolve("docker")))) {
            files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).map(Path::toString).forEach(command::add);
        }
        // when
        Result result = run(command.toArray(String[]::new));
        // then
        assertThat(command).hasSizeGreaterThan(8);
        assertThat(result.code()).as(result.out()).isZero();
    }

    @Test
    void shouldShowWhatTheIssueAsksWhenTheDashboardIsImported() throws IOException {
        // given
        JsonNode dashboard = JSON.readTree(root.resolve("deploy/grafana/deja-dashboard.json").toFile());
        List<String> exprs = new ArrayList<>();
        Set<String> titles = new TreeSet<>();
        dashboard.path("panels").forEach(panel -> {
            titles.add(panel.path("title").asText());
            assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty();
            panel.path("targets").forEach(target -> exprs.add(target.path("expr").asText()));
        });
        String all = String.join("\n", exprs);

        // then: outcomes, hit ratio, invocations and compute saved, latency against the SLA, in flight, breaker, DLQ, lag
        assertThat(dashboard.path("uid").asText()).isEqualTo("deja");
        assertThat(titles).contains("Uploads by outcome", "Hit ratio (5m)", "Invocations and compute-seconds saved",
                "End-to-end latency against the SLA", "OpenWhisk calls in flight", "Circuit breaker", "Dead letters and redeliveries", "Lag");
        assertThat(all).contains("deja_uploads_total", "deja_invocations_saved_total", "deja_compute_saved_seconds_total",
                "histogram_quantile(0.99", "deja_latency_end_to_end_seconds_bucket", "deja_invoker_in_flight", "deja_breaker_state",
                "deja_dead_letters_total", "kafka_consumer_fetch_manager_records_lag_max", "deja_mirror_lag_records",
                "deja_openwhisk_http_responses_total");
        assertThat(exprs).allSatisfy(expr -> assertThat(expr).isNotBlank());
    }

    private record Result(int code, String out) {
    }

    private static Result run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), out);
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** The config a pod loads: the ConfigMap's file, then its environment (secrets as placeholders). */
    private DejaConfig load(Map<String, String> env) {
        Map<String, String> resolved = new LinkedHashMap<>(env);
        resolved.replaceAll((name, value) -> value.isEmpty() ? SECRET_PLACEHOLDER : value);
        return DejaConfig.load(kubernetes.resolve("deja.properties"), resolved, Map.of());
    }

    /** A container's environment: values as written, "" for one from a secret or a field. */
    private static Map<String, String> env(JsonNode container) {
        Map<String, String> env = new LinkedHashMap<>();
        container.path("env").forEach(var -> env.put(var.path("name").asText(), var.path("value").asText("")));
        return env;
    }

    private static Map<String, String> fieldRefs(JsonNode container) {
        Map<String, String> refs = new LinkedHashMap<>();
        container.path("env").forEach(var -> {
            if (var.at("/valueFrom/fieldRef").isObject()) {
                refs.put(var.path("name").asText(), var.at("/valueFrom/fieldRef/fieldPath").asText());
            }
        });
        return refs;
    }

    private static Map<String, String> mounts(JsonNode container) {
        Map<String, String> mounts = new LinkedHashMap<>();
        container.path("volumeMounts").forEach(m -> mounts.put(m.path("name").asText(), m.path("mountPath").asText()));
        return mounts;
    }

    private static int port(JsonNode container, String name) {
        for (JsonNode port : container.path("ports")) {
            if (name.equals(port.path("name").asText())) {
                return port.path("containerPort").asInt();
            }
        }
        throw new AssertionError("no port " + name);
    }

    private static long bytes(String quantity) {
        if (quantity.endsWith("Mi")) {
            return Long.parseLong(quantity.substring(0, quantity.length() - 2)) << 20;
        }
        if (quantity.endsWith("Gi")) {
            return Long.parseLong(quantity.substring(0, quantity.length() - 2)) << 30;
        }
        throw new AssertionError("memory in Mi or Gi: " + quantity);
    }

    private static JsonNode kind(List<JsonNode> docs, String kind) {
        return docs.stream().filter(doc -> kind.equals(doc.path("kind").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind));
    }

    private static List<String> strings(JsonNode node) {
        List<String> result = new ArrayList<>();
        node.forEach(element -> result.add(element.asText()));
        return result;
    }

    private static List<JsonNode> readYaml(Path file) throws IOException {
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            List<JsonNode> result = new ArrayList<>();
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if (doc != null && !doc.isNull() && !doc.isEmpty()) {
                    result.add(doc);
                }
            }
            return result;
        }
    }
}
