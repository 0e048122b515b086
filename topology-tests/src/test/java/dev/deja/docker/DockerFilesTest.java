package dev.deja.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.deja.config.DejaConfig;
import dev.deja.config.Rule;
import dev.deja.testing.RepoRoot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Static checks of {@code docker/}: no Docker engine runs where Deja is built, so the compose file,
 * the Dockerfile and the container's config are checked against each other and against
 * {@link DejaConfig} without being run.
 */
class DockerFilesTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern INTERPOLATION = Pattern.compile("(?<!\\$)\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?}");
    private static final Pattern RULE_ENV = Pattern.compile("DEJA_RULE_([A-Z0-9_]+)_(ACTION|BUCKET|PREFIX|SUFFIX|EVENTS|PARAMS)");
    private static final Pattern SECRET_NAME = Pattern.compile(".*(PASSWORD|SECRET|AUTH|ACCESS_KEY|ROOT_USER|USERNAME|COUCHDB_USER).*");
    private static final Pattern OPENWHISK_KEY = Pattern.compile("[0-9a-fA-F-]{36}:[A-Za-z0-9]{64}");

    private final Path root = RepoRoot.path();
    private final Path docker = root.resolve("docker");
    private final JsonNode compose = readYaml(docker.resolve("compose.yaml"));
    private final Map<String, String> dotEnv = readDotEnv(docker.resolve(".env.example"));

    @Test
    void shouldDefineEveryServiceTheDesignNeedsWhenComposeIsRead() {
        // given
        List<String> services = new ArrayList<>();
        compose.path("services").fieldNames().forEachRemaining(services::add);

        // then
        assertThat(services).contains("kafka", "kafka-setup", "minio", "minio-setup", "couchdb", "openwhisk",
                "openwhisk-action", "deja");
        assertThat(compose.at("/services/kafka/image").asText()).startsWith("apache/kafka:4.");
        // MinIO's own images are frozen before the CVE-2025-62506 fix and withdrawn: a maintained build, pinned
        assertThat(compose.at("/services/minio/image").asText()).startsWith("pgsty/silo:RELEASE.");
        assertThat(compose.at("/services/minio-setup/image").asText()).isEqualTo(compose.at("/services/minio/image").asText());
        assertThat(compose.toString()).doesNotContain("minio/minio", "minio/mc");
        assertThat(compose.at("/services/couchdb/image").asText()).isEqualTo("couchdb:3");
        assertThat(compose.at("/services/openwhisk/image").asText()).startsWith("openwhisk/standalone:");
        assertThat(compose.at("/services/deja/build/dockerfile").asText()).isEqualTo("docker/Dockerfile");
        assertThat(docker.resolve(compose.at("/services/deja/build/context").asText()).resolve("docker/Dockerfile"))
                .isRegularFile();
    }

    @Test
    void shouldMapEveryDejaVariableToAConfigKeyWhenDejaServiceIsConfigured() {
        // given
        Set<String> known = DejaConfig.CONFIG.names().stream().map(DejaConfig::envName).collect(Collectors.toSet());

        // when
        Set<String> unknown = environment("deja").keySet().stream()
                .filter(name -> name.startsWith(DejaConfig.ENV_PREFIX))
                .filter(name -> !known.contains(name) && !RULE_ENV.matcher(name).matches())
                .collect(Collectors.toCollection(TreeSet::new));

        // then
        assertThat(environment("deja")).containsKey("DEJA_BOOTSTRAP_SERVERS");
        assertThat(unknown).as("DEJA_* variables that no config key reads").isEmpty();
    }

    @Test
    void shouldLoadContainerConfigWhenEnvironmentComesFromEnvExample() {
        // given
        Map<String, String> env = resolvedEnvironment("deja");

        // when
        DejaConfig config = DejaConfig.load(docker.resolve("deja.properties"), env, Map.of());

        // then
        assertThat(config.getList(DejaConfig.BOOTSTRAP_SERVERS_CONFIG)).containsExactly("kafka:9092");
        assertThat(config.getString(DejaConfig.STATE_DIR_CONFIG)).isEqualTo("/var/lib/deja");
        assertThat(config.getString(DejaConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo("exactly_once_v2");
        assertThat(config.secret(DejaConfig.OPENWHISK_AUTH_CONFIG)).isEqualTo(dotEnv.get("OPENWHISK_AUTH"));
        assertThat(config.secret(DejaConfig.S3_SECRET_KEY_CONFIG)).isEqualTo(dotEnv.get("DEJA_S3_SECRET_KEY"));
        assertThat(config.secret(DejaConfig.COUCHDB_PASSWORD_CONFIG)).isEqualTo(dotEnv.get("COUCHDB_PASSWORD"));
        assertThat(config.getBoolean(DejaConfig.MIRROR_ENABLED_CONFIG)).isTrue();
        assertThat(config.rules()).singleElement().satisfies(rule -> {
            assertThat(rule.action()).isEqualTo("thumbnail");
            assertThat(rule.bucket()).isEqualTo("photos");
            assertThat(rule.params().path("outputBucket").asText()).isEqualTo("thumbnails");
        });
    }

    @Test
    void shouldPublishToDejasInputTopicWhenMinioNotifiesKafka() {
        // given
        DejaConfig config = DejaConfig.load(docker.resolve("deja.properties"), resolvedEnvironment("deja"), Map.of());
        Map<String, String> minio = resolvedEnvironment("minio");
        String setup = String.join(" ", strings(compose.at("/services/kafka-setup/command")));

        // then
        String input = config.getString(DejaConfig.INPUT_TOPIC_CONFIG);
        assertThat(minio).containsEntry("MINIO_NOTIFY_KAFKA_ENABLE_PRIMARY", "on")
                .containsEntry("MINIO_NOTIFY_KAFKA_TOPIC_PRIMARY", input)
                .containsEntry("MINIO_NOTIFY_KAFKA_BROKERS_PRIMARY", advertised("PLAINTEXT"));
        String queueDir = minio.get("MINIO_NOTIFY_KAFKA_QUEUE_DIR_PRIMARY");
        assertThat(queueDir).as("queue dir: at-least-once delivery, outside the data drive").isNotBlank()
                .doesNotStartWith("/data");
        assertThat(strings(compose.at("/services/minio/command"))).containsSubsequence("server", "/data");
        assertThat(strings(compose.at("/services/minio/volumes")))
                .anyMatch(volume -> volume.endsWith(":/data"))
                .anyMatch(volume -> !volume.endsWith(":/data") && queueDir.startsWith(volume.substring(volume.indexOf(':') + 1) + "/"));
        assertThat(setup).contains("--topic " + input)
                .contains("--partitions " + config.getInt(DejaConfig.PARTITIONS_CONFIG));
    }

    @Test
    void shouldSubscribeTheRuleBucketWhenMinioSetupRuns() {
        // given
        String script = compose.at("/services/minio-setup/command").get(0).asText();
        DejaConfig config = DejaConfig.load(docker.resolve("deja.properties"), resolvedEnvironment("deja"), Map.of());
        Rule rule = config.rules().get(0);
        Matcher makeBuckets = Pattern.compile("mc mb --ignore-existing ([^\\n]+)").matcher(script);

        // when
        assertThat(makeBuckets.find()).isTrue();
        List<String> buckets = List.of(makeBuckets.group(1).trim().split("\\s+"));

        // then: the ARN names the target configured on the minio service (arn:minio:sqs::ID:kafka)
        assertThat(environment("minio")).containsKey("MINIO_NOTIFY_KAFKA_ENABLE_PRIMARY");
        assertThat(script).contains("mc event add --ignore-existing local/" + rule.bucket() + " arn:minio:sqs::PRIMARY:kafka --event put");
        assertThat(buckets).contains("local/" + rule.bucket(), "local/" + rule.params().path("outputBucket").asText(),
                "local/" + config.getString(DejaConfig.RESULTS_BUCKET_CONFIG));
    }

    @Test
    void shouldConnectToTheAdvertisedListenerWhenDejaStartsItsKafkaClients() {
        // given
        Map<String, String> kafka = resolvedEnvironment("kafka");
        String bootstrap = resolvedEnvironment("deja").get("DEJA_BOOTSTRAP_SERVERS");

        // then
        assertThat(bootstrap).isEqualTo(advertised("PLAINTEXT")).startsWith("kafka:");
        String port = bootstrap.substring(bootstrap.indexOf(':') + 1);
        assertThat(List.of(kafka.get("KAFKA_LISTENERS").split(","))).contains("PLAINTEXT://:" + port);
        assertThat(kafka).containsEntry("KAFKA_PROCESS_ROLES", "broker,controller")
                .containsEntry("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
                .containsEntry("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
                .containsEntry("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1");
        assertThat(kafka.get("KAFKA_CONTROLLER_QUORUM_VOTERS")).endsWith("@kafka:9093");
    }

    @Test
    void shouldReachOpenWhiskOverTheComposeNetworkWhenDejaInvokesActions() throws IOException {
        // given
        String apiHost = resolvedEnvironment("deja").get("DEJA_OPENWHISK_API_HOST");
        String openwhiskConf = Files.readString(docker.resolve("openwhisk.conf"), StandardCharsets.UTF_8);
        JsonNode openwhisk = compose.at("/services/openwhisk");

        // then: standalone serves plain HTTP on 3233, bound to its hostname's address
        assertThat(apiHost).isEqualTo("http://" + openwhisk.path("hostname").asText() + ":3233");
        assertThat(strings(openwhisk.path("volumes"))).contains("/var/run/docker.sock:/var/run/docker.sock")
                .contains("./openwhisk.conf:/etc/openwhisk/deja.conf:ro");
        assertThat(strings(openwhisk.path("command"))).containsSubsequence("--config-file", "/etc/openwhisk/deja.conf");
        assertThat(openwhiskConf).contains("network = \"" + compose.at("/networks/default/name").asText() + "\"")
                .contains("guest = ${?OPENWHISK_AUTH}");
        assertThat(environment("openwhisk")).containsKey("OPENWHISK_AUTH");
    }

    @Test
    void shouldListEveryVariableWhenComposeInterpolatesFromDotEnv() {
        // given: compose interpolates every string value of the parsed file (comments are not values)
        Set<String> used = new TreeSet<>();
        for (String value : scalars(compose, new ArrayList<>())) {
            Matcher matcher = INTERPOLATION.matcher(value);
            while (matcher.find()) {
                used.add(matcher.group(1));
            }
        }

        // then
        assertThat(used).isNotEmpty();
        assertThat(dotEnv.keySet()).containsAll(used);
        assertThat(used).as("variables listed in .env.example but never used").containsAll(dotEnv.keySet());
        assertThat(dotEnv.values()).as("placeholders only, no real secret").containsOnly("change-me");
    }

    @Test
    void shouldKeepSecretsOutWhenFilesAreCommitted() throws IOException {
        // given
        List<String> literalSecrets = new ArrayList<>();
        compose.path("services").fields().forEachRemaining(service -> environment(service.getKey()).forEach((name, value) -> {
            if (SECRET_NAME.matcher(name).matches() && !value.matches("\\$\\{[A-Za-z0-9_]+(:\\?[^}]*)?}")) {
                literalSecrets.add(service.getKey() + "." + name);
            }
        }));
        Map<String, String> properties = DejaConfig.readProperties(docker.resolve("deja.properties"));

        // then
        assertThat(literalSecrets).as("secret variables must come from docker/.env").isEmpty();
        assertThat(properties.keySet()).noneMatch(key -> key.matches(".*(password|secret|auth|access\\.key|sasl\\.jaas).*"));
        try (var files = Files.list(docker)) {
            // docker/.env is the user's own (git-ignored) file: it may hold real keys.
            for (Path file : files.filter(Files::isRegularFile).filter(f -> !f.endsWith(".env")).toList()) {
                assertThat(Files.readString(file, StandardCharsets.UTF_8)).as(file.toString())
                        .doesNotContainPattern(OPENWHISK_KEY);
            }
        }
        assertThat(Files.readString(docker.resolve("Dockerfile.dockerignore"), StandardCharsets.UTF_8))
                .contains("docker/.env").contains("**/target/").contains(".git").contains("**/node_modules/");
        assertThat(Files.readAllLines(docker.resolve(".gitignore"), StandardCharsets.UTF_8)).contains(".env");
    }

    @Test
    void shouldPublishPortsOnLoopbackOnlyWhenServicesExposePorts() {
        // given
        List<String> ports = new ArrayList<>();
        compose.path("services").forEach(service -> ports.addAll(strings(service.path("ports"))));

        // then
        assertThat(ports).isNotEmpty().allMatch(port -> port.startsWith("127.0.0.1:"));
        assertThat(ports).contains("127.0.0.1:8079:8079");
        assertThat(resolvedEnvironment("deja")).containsEntry("DEJA_ADMIN_ADDRESS", "0.0.0.0:8079");
    }

    @Test
    void shouldRunDejaJarAsNonRootWhenImageStarts() throws IOException {
        // given
        List<String> lines = Files.readAllLines(docker.resolve("Dockerfile"), StandardCharsets.UTF_8).stream()
                .map(String::trim).filter(line -> !line.startsWith("#")).toList();
        int lastFrom = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("FROM ")) {
                lastFrom = i;
            }
        }
        List<String> runtime = lines.subList(lastFrom, lines.size());
        String pom = Files.readString(root.resolve("streams-app/pom.xml"), StandardCharsets.UTF_8);

        // then
        assertThat(lines).anyMatch(line -> line.startsWith("FROM maven:3.9-eclipse-temurin-17 AS build"));
        assertThat(runtime.get(0)).isEqualTo("FROM eclipse-temurin:17-jre");
        assertThat(runtime).filteredOn(line -> line.startsWith("USER ")).singleElement()
                .isEqualTo("USER 10001:10001");
        assertThat(runtime).contains("ENTRYPOINT [\"/app/deja-entrypoint.sh\"]",
                "CMD [\"run\", \"--config\", \"/etc/deja/deja.properties\"]", "WORKDIR /app", "EXPOSE 8079",
                "VOLUME [\"/var/lib/deja\"]", "COPY --from=build /src/streams-app/target/deja.jar /app/deja.jar",
                "COPY --chmod=0755 docker/deja-entrypoint.sh /app/deja-entrypoint.sh");
        // the admin endpoint listens on the container's addresses, and the image checks its readiness
        assertThat(runtime).contains("DEJA_ADMIN_ADDRESS=0.0.0.0:8079 \\");
        assertThat(String.join("\n", runtime)).containsPattern("HEALTHCHECK [^\n]*--start-period=\\d+s")
                .contains("GET /health/ready");
        assertThat(pom).as("the shaded jar the image copies").contains("<finalName>deja</finalName>");
    }

    @Test
    void shouldCopyEveryModulePomAndTheSourcesItBuildsWhenTheImageIsBuilt() throws IOException {
        String dockerfile = Files.readString(docker.resolve("Dockerfile"), StandardCharsets.UTF_8);
        String parent = Files.readString(root.resolve("pom.xml"), StandardCharsets.UTF_8);
        java.util.regex.Matcher modules = java.util.regex.Pattern.compile("<module>([^<]+)</module>").matcher(parent);

        List<String> names = new java.util.ArrayList<>();
        while (modules.find()) {
            names.add(modules.group(1));
        }

        assertThat(names).contains("thumbnail-action", "streams-app", "devstack", "topology-tests");
        names.forEach(module -> assertThat(dockerfile).contains("COPY " + module + "/pom.xml " + module + "/"));
        assertThat(dockerfile).contains("COPY streams-app/src streams-app/src", "-pl streams-app -am package")
                .as("the image builds the production app only").doesNotContain("COPY devstack/src", "COPY thumbnail-action/src");
    }

    @Test
    void shouldRaiseStandaloneLimitsWhenOpenWhiskStarts() throws IOException {
        // given: standalone.conf's whisk.config limits a namespace to 60 invokes a minute and 30 at once
        String conf = Files.readString(docker.resolve("openwhisk.conf"), StandardCharsets.UTF_8);
        DejaConfig config = DejaConfig.load(docker.resolve("deja.properties"), resolvedEnvironment("deja"), Map.of());

        // when
        long perMinute = hoconLong(conf, "limits-actions-invokes-perMinute");
        long concurrent = hoconLong(conf, "limits-actions-invokes-concurrent");

        // then: far above standalone's 60 and 30, and above what several invokers have in flight at once
        assertThat(conf).contains("include classpath(\"standalone.conf\")");
        assertThat(perMinute).isGreaterThanOrEqualTo(1_000);
        assertThat(concurrent).isGreaterThanOrEqualTo(100)
                .isGreaterThan(4L * config.getInt(DejaConfig.INVOKER_MAX_IN_FLIGHT_CONFIG));
    }

    @Test
    void shouldKeepTheRuleActionDeployedWhenOpenWhiskRestarts() throws IOException {
        // given
        JsonNode deployer = compose.at("/services/openwhisk-action");
        Map<String, String> env = resolvedEnvironment("openwhisk-action");
        String script = Files.readString(docker.resolve("deploy-action.sh"), StandardCharsets.UTF_8);
        String dockerfile = Files.readString(docker.resolve(deployer.at("/build/dockerfile").asText().replace("docker/", "")),
                StandardCharsets.UTF_8);
        Rule rule = DejaConfig.load(docker.resolve("deja.properties"), resolvedEnvironment("deja"), Map.of()).rules().get(0);

        // then: the action Deja's rule names, created against the same OpenWhisk with the same key
        assertThat(env).containsEntry("ACTION_NAME", rule.action())
                .containsEntry("OPENWHISK_APIHOST", resolvedEnvironment("deja").get("DEJA_OPENWHISK_API_HOST"))
                .containsEntry("OPENWHISK_AUTH", dotEnv.get("OPENWHISK_AUTH"))
                .containsEntry("S3_ENDPOINT", resolvedEnvironment("deja").get("DEJA_S3_ENDPOINT"));
        // wsk comes with the standalone image; the jar is built from this repository
        assertThat(dockerfile).contains("FROM " + compose.at("/services/openwhisk/image").asText(),
                "-pl thumbnail-action -am package", "COPY docker/deploy-action.sh");
        // a loop, not a one shot: standalone forgets its actions when it restarts
        assertThat(deployer.path("restart").asText()).isEqualTo("unless-stopped");
        assertThat(script).contains("while true", "wsk -i action get \"$ACTION\"", "wsk -i action update \"$ACTION\"",
                "--main dev.deja.action.ThumbnailAction", "--kind java:default", "--param-file");
        assertThat(script).as("secrets never on a command line").doesNotContain("-p s3SecretKey", "--param s3SecretKey");
        assertThat(String.join(" ", strings(deployer.at("/healthcheck/test")))).contains("action get " + rule.action());
        assertThat(compose.at("/services/deja/depends_on/openwhisk-action/condition").asText()).isEqualTo("service_healthy");
    }

    @Test
    void shouldCheckHealthAndWaitForHealthyDependenciesWhenServicesStart() {
        // given: one-shot services exit; every other service has a healthcheck
        Set<String> oneShots = new TreeSet<>();
        compose.path("services").fields().forEachRemaining(service -> {
            if ("no".equals(service.getValue().path("restart").asText())) {
                oneShots.add(service.getKey());
            }
        });
        List<String> problems = new ArrayList<>();

        // when
        compose.path("services").fields().forEachRemaining(service -> {
            String name = service.getKey();
            if (!oneShots.contains(name) && service.getValue().path("healthcheck").path("test").isMissingNode()) {
                problems.add(name + " has no healthcheck");
            }
            service.getValue().path("depends_on").fields().forEachRemaining(dependency -> {
                String expected = oneShots.contains(dependency.getKey()) ? "service_completed_successfully" : "service_healthy";
                if (!expected.equals(dependency.getValue().path("condition").asText())) {
                    problems.add(name + " -> " + dependency.getKey() + " is not " + expected);
                }
            });
        });

        // then
        assertThat(oneShots).containsExactlyInAnyOrder("kafka-setup", "minio-setup");
        assertThat(problems).isEmpty();
        assertThat(String.join(" ", strings(compose.at("/services/deja/healthcheck/test")))).contains("GET /health/ready");
    }

    @Test
    void shouldLetDejaDrainAndCloseWhenComposeStopsIt() {
        // given
        DejaConfig config = DejaConfig.load(docker.resolve("deja.properties"), resolvedEnvironment("deja"), Map.of());
        long drainMs = config.getLong(DejaConfig.INVOKER_DRAIN_TIMEOUT_CONFIG);

        // when
        long graceMs = seconds(compose.at("/services/deja/stop_grace_period").asText()) * 1000;

        // then: the drain, then up to 30 s for each Kafka Streams application's close (DejaApp.close)
        assertThat(graceMs).isGreaterThanOrEqualTo(drainMs + 2 * 30_000);
    }

    @Test
    void shouldRunCouchDbAsOneNodeWhenComposeStartsIt() throws IOException {
        // given
        String mount = strings(compose.at("/services/couchdb/volumes")).stream()
                .filter(volume -> volume.contains("/opt/couchdb/etc/local.d/")).findFirst().orElseThrow();

        // when
        String ini = Files.readString(docker.resolve(mount.substring(0, mount.indexOf(':'))), StandardCharsets.UTF_8);

        // then
        assertThat(ini).containsPattern("(?m)^\\[couchdb]\\s*$").containsPattern("(?m)^single_node\\s*=\\s*true\\s*$");
        assertThat(mount).endsWith(".ini:ro");
    }

    @Test
    void shouldFitHeapRocksDbAndOverheadInTheContainerWhenTheImageStarts() throws Exception {
        // given: the image's entrypoint, with a stand-in java that prints its arguments
        Path bin = standInJava();
        long limit = 1536L << 20;

        // when
        String fits = entrypoint(bin, Map.of("MEMORY_LIMIT_BYTES", Long.toString(limit)));
        String small = entrypoint(bin, Map.of("MEMORY_LIMIT_BYTES", Long.toString(512L << 20)));

        // then: 1536 MiB - 256 MiB (RocksDB) - 320 MiB (overhead) = 960 MiB of heap
        assertThat(fits).contains("-Xmx960m -XX:+UseParallelGC -XX:+ExitOnOutOfMemoryError -jar /app/deja.jar run --config /etc/deja/deja.properties")
                .contains("memory limit 1536 MiB = heap 960 MiB + RocksDB 256 MiB + overhead 320 MiB");
        assertThat(small).contains("leaves no room for a heap").doesNotContain("-jar");
        assertThat(compose.at("/services/deja/mem_limit").asText()).isEqualTo("1536m");
    }

    @Test
    void shouldUseTheParallelCollectorUnlessJavaOptsPicksAnother() throws Exception {
        // given: the image's entrypoint, with a stand-in java that prints its arguments
        Path bin = standInJava();
        String limit = Long.toString(1536L << 20);

        // when
        String byDefault = entrypoint(bin, Map.of("MEMORY_LIMIT_BYTES", limit, "JVM_CDS_ARCHIVE", ""));
        String chosen = entrypoint(bin, Map.of("MEMORY_LIMIT_BYTES", limit, "JVM_CDS_ARCHIVE", "",
                "JAVA_OPTS", "-XX:+UseG1GC -Xss1m"));

        // then: one collector on the command line either way (two would stop the JVM)
        assertThat(byDefault).contains("-XX:+UseParallelGC").doesNotContain("G1");
        assertThat(chosen).contains("-XX:+UseG1GC -Xss1m -jar /app/deja.jar run").doesNotContain("UseParallelGC");
    }

    @Test
    void shouldStartWithTheImagesClassArchiveWhenTheImageHasOne() throws Exception {
        // given: the archive is built in the runtime stage, after the jar reached its final path
        List<String> lines = Files.readAllLines(docker.resolve("Dockerfile"), StandardCharsets.UTF_8).stream()
                .map(String::trim).filter(line -> !line.startsWith("#")).toList();
        String runtime = String.join("\n", lines.subList(lines.lastIndexOf("FROM eclipse-temurin:17-jre"), lines.size()));
        Path bin = standInJava();
        Path archive = Files.writeString(bin.resolve("deja.jsa"), "archive", StandardCharsets.UTF_8);

        // when
        String with = entrypoint(bin, Map.of("MEMORY_LIMIT_BYTES", Long.toString(1536L << 20),
                "JVM_CDS_ARCHIVE", archive.toString()));
        String missing = entrypoint(bin, Map.of("MEMORY_LIMIT_BYTES", Long.toString(1536L << 20),
                "JVM_CDS_ARCHIVE", bin.resolve("absent.jsa").toString()));
        String off = entrypoint(bin, Map.of("MEMORY_LIMIT_BYTES", Long.toString(1536L << 20), "JVM_CDS_ARCHIVE", ""));

        // then
        assertThat(runtime).containsPattern("(?s)COPY --from=build \\S+/deja\\.jar /app/deja\\.jar\n.*-XX:ArchiveClassesAtExit=/app/deja\\.jsa"
                        + " [^\n]*-jar /app/deja\\.jar cds-training")
                .contains("test -s /app/deja.jsa");
        assertThat(Files.readString(docker.resolve("deja-entrypoint.sh"), StandardCharsets.UTF_8))
                .contains("${JVM_CDS_ARCHIVE-/app/deja.jsa}");
        assertThat(with).contains("-XX:+ExitOnOutOfMemoryError -XX:SharedArchiveFile=" + archive + " -jar /app/deja.jar run");
        assertThat(missing).contains("no AppCDS archive at " + bin.resolve("absent.jsa"))
                .contains("-Xmx960m -XX:+UseParallelGC -XX:+ExitOnOutOfMemoryError -jar /app/deja.jar run").doesNotContain("SharedArchiveFile");
        assertThat(off).doesNotContain("SharedArchiveFile", "no AppCDS archive");
    }

    /** A directory with a stand-in {@code java} that prints its arguments, to put first on the entrypoint's PATH. */
    private Path standInJava() throws Exception {
        Path bin = Files.createDirectories(root.resolve("topology-tests/target/docker-entrypoint-test"));
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\necho \"$@\"\n", StandardCharsets.UTF_8);
        java.toFile().setExecutable(true);
        return bin;
    }

    private String entrypoint(Path bin, Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("bash", docker.resolve("deja-entrypoint.sh").toString(),
                "run", "--config", "/etc/deja/deja.properties").redirectErrorStream(true);
        builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        builder.environment().putAll(env);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        return out;
    }

    private static long hoconLong(String conf, String key) {
        Matcher matcher = Pattern.compile("(?m)^\\s*" + Pattern.quote(key) + "\\s*[=:]\\s*(\\d+)\\s*$").matcher(conf);
        assertThat(matcher.find()).as("%s in openwhisk.conf", key).isTrue();
        return Long.parseLong(matcher.group(1));
    }

    private static long seconds(String duration) {
        Matcher matcher = Pattern.compile("(\\d+)(s|m)").matcher(duration);
        assertThat(matcher.matches()).as("a duration like 90s: %s", duration).isTrue();
        return Long.parseLong(matcher.group(1)) * (matcher.group(2).equals("m") ? 60 : 1);
    }

    private String advertised(String listener) {
        String listeners = resolvedEnvironment("kafka").get("KAFKA_ADVERTISED_LISTENERS");
        for (String entry : listeners.split(",")) {
            if (entry.startsWith(listener + "://")) {
                return entry.substring((listener + "://").length());
            }
        }
        throw new AssertionError("no advertised listener " + listener + " in " + listeners);
    }

    /** A service's environment as written (values not interpolated). */
    private Map<String, String> environment(String service) {
        JsonNode env = compose.at("/services/" + service + "/environment");
        Map<String, String> result = new LinkedHashMap<>();
        if (env.isObject()) {
            env.fields().forEachRemaining(e -> result.put(e.getKey(), e.getValue().asText()));
        } else if (env.isArray()) {
            env.forEach(e -> {
                String entry = e.asText();
                int eq = entry.indexOf('=');
                result.put(eq < 0 ? entry : entry.substring(0, eq), eq < 0 ? "" : entry.substring(eq + 1));
            });
        }
        return result;
    }

    /** A service's environment as the container sees it, interpolated from .env.example. */
    private Map<String, String> resolvedEnvironment(String service) {
        Map<String, String> result = new LinkedHashMap<>();
        environment(service).forEach((name, value) -> result.put(name, interpolate(value)));
        return result;
    }

    private String interpolate(String value) {
        Matcher matcher = INTERPOLATION.matcher(value);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String resolved = dotEnv.get(matcher.group(1));
            if (resolved == null && "-".equals(matcher.group(2) == null ? null : matcher.group(2).replace(":", ""))) {
                resolved = matcher.group(3);
            }
            assertThat(resolved).as("${%s} has no value in .env.example", matcher.group(1)).isNotNull();
            matcher.appendReplacement(out, Matcher.quoteReplacement(resolved));
        }
        matcher.appendTail(out);
        return out.toString().replace("$$", "$");
    }

    private static List<String> scalars(JsonNode node, List<String> into) {
        if (node.isValueNode()) {
            into.add(node.asText());
        }
        node.forEach(child -> scalars(child, into));
        return into;
    }

    private static List<String> strings(JsonNode node) {
        List<String> result = new ArrayList<>();
        node.forEach(element -> result.add(element.asText()));
        return result;
    }

    private static JsonNode readYaml(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new AssertionError("cannot parse " + file, e);
        }
    }

    private static Map<String, String> readDotEnv(Path file) {
        Map<String, String> result = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String trimmed = line.trim();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                int eq = trimmed.indexOf('=');
                assertThat(eq).as("not NAME=value: %s", trimmed).isPositive();
                result.put(trimmed.substring(0, eq), trimmed.substring(eq + 1));
            }
        } catch (IOException e) {
            throw new AssertionError("cannot read " + file, e);
        }
        return result;
    }
}
