package dev.deja.bench;

import dev.deja.app.DejaApp;
import dev.deja.app.Role;
import dev.deja.config.DejaConfig;
import dev.deja.local.LocalStack;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.common.config.TopicConfig;

/**
 * Scenario 7: what operators do to a running Deja, and what the call costs.
 * <ul>
 *   <li>The cost of the non-blocking invocation (POST answered 202 with the activation id, then reads of the
 *       activation) beside the blocking one, on the same load: HTTP requests per invocation and end-to-end
 *       latency.</li>
 *   <li>Repeated activations when Deja is stopped gracefully mid-burst (SIGTERM: {@code DejaApp.close}), when a
 *       second instance joins mid-burst, and when its process is killed (SIGKILL) mid-burst; for the kill, the
 *       time from the restart to the first output.</li>
 * </ul>
 * Each phase uploads its own contents (several uploads each) paced over a few seconds, with a slow action, so the
 * event lands while calls run.
 */
final class LifecycleBench {

    static final String TITLE = "Lifecycle (repeated activations, recovery, call cost)";
    static final String ACTION = "bench-lifecycle";
    private static final String PREFIX = "bench-lc-";

    private final LocalStack stack;
    private final Map<String, String> base;
    private final Path dataDir;
    private final int contents;
    private final int uploads;
    private final Duration actionLatency;
    private final Consumer<String> progress;
    private final BenchAction action;
    private final EventFeed feed;

    private LifecycleBench(LocalStack stack, Map<String, String> base, Path dataDir, boolean quick, EventFeed feed,
            Consumer<String> progress) {
        this.stack = stack;
        this.base = base;
        this.dataDir = dataDir;
        this.contents = quick ? 12 : 40;
        this.uploads = contents * 5;
        this.actionLatency = Duration.ofMillis(quick ? 400 : 800);
        this.feed = feed;
        this.progress = progress;
        this.action = new BenchAction(actionLatency);
        stack.actions().register(ACTION, BenchAction.VERSION, action::main);
    }

    static ScenarioResult run(LocalStack stack, Map<String, String> settings, Path dataDir, boolean quick, EventFeed feed,
            Consumer<String> progress) throws Exception {
        return new LifecycleBench(stack, settings, dataDir, quick, feed, progress).runAll();
    }

    private ScenarioResult runAll() throws Exception {
        Map<String, String> settings = new LinkedHashMap<>(base);
        settings.put(DejaConfig.APPLICATION_ID_CONFIG, "deja-bench-lifecycle");
        settings.put("deja.rule.bench.action", ACTION);
        for (String key : List.of(DejaConfig.INPUT_TOPIC_CONFIG, DejaConfig.INVOCATIONS_TOPIC_CONFIG,
                DejaConfig.RESULTS_TOPIC_CONFIG, DejaConfig.OUTPUT_TOPIC_CONFIG, DejaConfig.DLQ_TOPIC_CONFIG,
                DejaConfig.TABLE_TOPIC_CONFIG)) {
            String topic = PREFIX + key.substring("deja.topic.".length());
            settings.put(key, topic);
            stack.kafka().createTopic(topic, Integer.parseInt(settings.get(DejaConfig.PARTITIONS_CONFIG)),
                    key.equals(DejaConfig.TABLE_TOPIC_CONFIG)
                            ? Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT) : Map.of());
        }
        ScenarioResult.Builder result = new ScenarioResult.Builder(7, TITLE)
                .figure("contents_per_phase", "contents per phase", contents, "")
                .figure("uploads_per_phase", "uploads per phase", uploads, "");

        for (boolean blocking : List.of(false, true)) {
            String mode = blocking ? "blocking" : "non_blocking";
            Phase phase = phase("cost-" + mode);
            long posts = stack.actions().posts();
            long reads = stack.actions().reads();
            try (DejaApp app = DejaApp.start(config(settings, "cost-" + mode, Map.of(
                    DejaConfig.INVOKER_BLOCKING_CONFIG, String.valueOf(blocking))), Role.ALL)) {
                app.awaitRunning(Duration.ofSeconds(60));
                phase.send().join();
                phase.await();
            }
            double requests = (stack.actions().posts() - posts) + (stack.actions().reads() - reads);
            String label = blocking ? "blocking" : "non-blocking";
            result.figure(mode + "_http_per_invocation", label + ": HTTP requests per invocation",
                            requests / Math.max(1, action.invocations()), "")
                    .figure(mode + "_p50", label + ": end-to-end p50", phase.watcher.latencyMs(0.5), "ms")
                    .figure(mode + "_p99", label + ": end-to-end p99", phase.watcher.latencyMs(0.99), "ms");
            phase.report(result, mode);
        }

        Phase sigterm = phase("sigterm");
        CompletableFuture<Void> sending = sigterm.send();
        try (DejaApp app = DejaApp.start(config(settings, "one", Map.of()), Role.ALL)) {
            app.awaitRunning(Duration.ofSeconds(60));
            awaitActivations(contents / 3);
        }
        progress.accept("[7/8] lifecycle: stopped gracefully mid-burst, starting again");
        try (DejaApp app = DejaApp.start(config(settings, "one", Map.of()), Role.ALL)) {
            sending.join();
            sigterm.await();
        }
        sigterm.report(result, "sigterm");

        Phase join = phase("join");
        try (DejaApp first = DejaApp.start(config(settings, "one", Map.of()), Role.ALL)) {
            first.awaitRunning(Duration.ofSeconds(60));
            sending = join.send();
            awaitActivations(contents / 3);
            progress.accept("[7/8] lifecycle: a second instance joins mid-burst");
            try (DejaApp second = DejaApp.start(config(settings, "two", Map.of()), Role.ALL)) {
                sending.join();
                join.await();
            }
        }
        join.report(result, "join");

        Phase kill = phase("kill");
        Path file = ChildJvm.writeConfig(config(settings, "one", Map.of()), dataDir.resolve("lifecycle.properties"),
                "deja bench: lifecycle scenario");
        ChildJvm deja = start(file, dataDir.resolve("lifecycle-kill-1.log"));
        long restartMs;
        try {
            sending = kill.send();
            awaitActivations(contents / 3);
            deja.kill();
            int before = kill.watcher.await(Duration.ofMillis(300), n -> { });
            progress.accept("[7/8] lifecycle: killed (SIGKILL) mid-burst, starting again");
            long restarted = System.nanoTime();
            deja = start(file, dataDir.resolve("lifecycle-kill-2.log"));
            kill.watcher.awaitAtLeast(before + 1, Duration.ofSeconds(60));
            restartMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted);
            sending.join();
            kill.await();
        } finally {
            deja.stop(Duration.ofSeconds(60));
        }
        kill.report(result, "kill");
        result.figure("kill_restart_to_output", "SIGKILL: restart to first output", restartMs, "ms");
        return result
                .note("Action latency " + actionLatency.toMillis() + " ms; " + uploads + " uploads over " + contents
                        + " new contents per phase, paced over about 3 s; the event lands once a third of the contents"
                        + " were invoked.")
                .note("Repeated activations = activations - contents. A graceful stop and a join must repeat none;"
                        + " a SIGKILL may repeat the invocations OpenWhisk accepted in the instant before it.")
                .note("HTTP requests per invocation: POSTs and activation reads the action host received, per"
                        + " activation; the latency is from the event to its output.")
                .build();
    }

    /** One phase's uploads and the watcher of their outputs. */
    private final class Phase implements AutoCloseable {
        final String name;
        final EventFeed.Run run;
        final OutputWatcher watcher;
        final String outputTopic;
        final String inputTopic;

        Phase(String name, String inputTopic, String outputTopic) {
            Workload workload = new Workload(java.util.stream.IntStream.range(0, uploads).map(i -> i % contents)
                    .boxed().toList(), contents);
            this.name = name;
            this.run = new EventFeed.Run("lifecycle-" + name, "lifecycle-" + name, workload);
            this.inputTopic = inputTopic;
            this.outputTopic = outputTopic;
            this.watcher = new OutputWatcher(stack.kafka().bootstrapServers(), outputTopic, run);
        }

        CompletableFuture<Void> send() {
            return feed.sendAsync(inputTopic, run, Math.max(1, uploads / 3));
        }

        void await() {
            watcher.await(Duration.ofSeconds(120), n -> progress.accept("[7/8] lifecycle (" + name + "): " + n
                    + "/" + run.size() + " outputs"));
            watcher.drain(Duration.ofSeconds(1));
        }

        void report(ScenarioResult.Builder result, String key) {
            long activations = action.invocations();
            result.figure(key + "_outputs", key + ": outputs", watcher.outputs(), "of " + run.size())
                    .figure(key + "_duplicates", key + ": duplicate outputs", watcher.duplicates(), "")
                    .figure(key + "_repeated", key + ": repeated activations", activations - contents, "");
            progress.accept("[7/8] lifecycle (" + key + "): " + watcher.outputs() + "/" + run.size() + " outputs, "
                    + activations + " activations for " + contents + " contents");
            close();
        }

        @Override
        public void close() {
            watcher.close();
        }
    }

    private Phase phase(String name) {
        action.reset();
        progress.accept("[7/8] lifecycle: " + name);
        return new Phase(name, PREFIX + "input", PREFIX + "output");
    }

    private void awaitActivations(long atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (action.invocations() < atLeast && System.nanoTime() - deadline < 0) {
            Thread.sleep(10);
        }
    }

    private DejaConfig config(Map<String, String> settings, String instance, Map<String, String> more) {
        Map<String, String> all = new HashMap<>(settings);
        all.put(DejaConfig.STATE_DIR_CONFIG, dataDir.resolve("lifecycle-state-" + instance).toString());
        all.put(DejaConfig.INSTANCE_ID_CONFIG, "bench-" + instance);
        all.putAll(more);
        return DejaConfig.load(null, Map.of(), all);
    }

    private static ChildJvm start(Path config, Path log) {
        return ChildJvm.start(List.of("-Xmx512m", "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir")),
                List.of("-cp", System.getProperty("java.class.path"), "dev.deja.cli.Deja", "run", "--config", config.toString()),
                log);
    }
}
