package dev.deja.local;

import dev.deja.app.DejaApp;
import dev.deja.app.Role;
import dev.deja.config.DejaConfig;
import dev.deja.model.Outcome;
import dev.deja.model.OutputRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The main job on the embedded stack: uploads generated images with a realistic share of
 * duplicates, in concurrent bursts, through a running Deja, and reports what happened.
 */
public final class Demo {

    /** What to upload: {@code uploads} uploads of {@code distinct} images by {@code uploaders} threads. */
    public record Plan(int uploads, int distinct, int uploaders, long seed) {
        public static Plan defaults() {
            return new Plan(200, 20, 8, 42);
        }
    }

    /** What happened. */
    public record Report(
            int uploads,
            int distinctContents,
            long invocations,
            List<OutputRecord> outputs,
            Map<Outcome, Long> outcomes,
            long latencyP50Ms,
            long latencyP99Ms,
            long elapsedMs) {

        public long saved() {
            return uploads - invocations;
        }
    }

    private Demo() {
    }

    /** Runs a plan against a stack and an app already started on it. */
    public static Report run(LocalStack stack, DejaConfig config, Plan plan, Duration timeout, Consumer<String> progress)
            throws Exception {
        List<byte[]> images = SampleImages.generate(plan.distinct(), plan.seed());
        Random random = new Random(plan.seed());
        List<Integer> picks = new ArrayList<>();
        for (int i = 0; i < plan.uploads(); i++) {
            // Each distinct image at least once, the rest skewed towards the popular ones.
            picks.add(i < plan.distinct() ? i : (int) Math.min(plan.distinct() - 1, Math.abs(random.nextGaussian()) * plan.distinct() / 3));
        }
        java.util.Collections.shuffle(picks, random);
        long invocationsBefore = stack.actions().invocations(LocalStack.ACTION);
        long start = System.nanoTime();
        String topic = config.getString(DejaConfig.INPUT_TOPIC_CONFIG);
        try (OutputCollector collector = new OutputCollector(stack.kafka().bootstrapServers(),
                config.getString(DejaConfig.OUTPUT_TOPIC_CONFIG))) {
            ExecutorService pool = Executors.newFixedThreadPool(plan.uploaders());
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int u = 0; u < plan.uploaders(); u++) {
                    int uploaderId = u;
                    done.add(pool.submit(() -> {
                        try (Uploader uploader = stack.uploader(topic)) {
                            for (int i = uploaderId; i < picks.size(); i += plan.uploaders()) {
                                uploader.upload(LocalStack.PHOTOS, "user-" + uploaderId + "/photo-" + i + ".png",
                                        images.get(picks.get(i)), false);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            progress.accept("uploaded " + plan.uploads() + " images (" + plan.distinct() + " distinct) from "
                    + plan.uploaders() + " uploaders; waiting for every output...");
            List<OutputRecord> outputs = collector.awaitAtLeast(plan.uploads(), timeout);
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            Map<Outcome, Long> outcomes = new EnumMap<>(Outcome.class);
            for (Outcome outcome : Outcome.values()) {
                outcomes.put(outcome, outputs.stream().filter(o -> o.outcome() == outcome).count());
            }
            List<Long> latencies = outputs.stream().map(OutputRecord::latencyMs).sorted().toList();
            return new Report(plan.uploads(), plan.distinct(),
                    stack.actions().invocations(LocalStack.ACTION) - invocationsBefore, outputs, outcomes,
                    percentile(latencies, 0.50), percentile(latencies, 0.99), elapsed);
        }
    }

    /** Starts the stack and Deja, runs the plan, prints the summary and the status page's address, stops everything. */
    public static Report runAll(java.nio.file.Path dataDir, Plan plan, Consumer<String> out) throws Exception {
        return runAll(dataDir, plan, false, out);
    }

    /**
     * As {@link #runAll(java.nio.file.Path, Plan, Consumer)}; with {@code keep}, the stack and Deja stay up after the
     * summary (for a look at the status page, more uploads) until the process is stopped (Ctrl-C).
     */
    public static Report runAll(java.nio.file.Path dataDir, Plan plan, boolean keep, Consumer<String> out) throws Exception {
        out.accept("starting the local stack (Kafka, s3proxy, action host, CouchDB if Node is installed)...");
        CountDownLatch stopped = new CountDownLatch(1);
        try (LocalStack stack = LocalStack.start(dataDir, LocalStack.Options.defaults())) {
            DejaConfig config = DejaConfig.load(null, Map.of(), stack.settingsWithSecrets());
            out.accept("starting Deja...");
            try (DejaApp app = DejaApp.start(config, Role.ALL)) {
                app.awaitRunning(Duration.ofSeconds(60));
                out.accept("status page: http://127.0.0.1:" + app.adminPort() + "/");
                Report report = run(stack, config, plan, Duration.ofSeconds(120), out);
                summary(report, stack).forEach(out);
                out.accept("  status page          http://127.0.0.1:" + app.adminPort() + "/");
                if (keep) {
                    java.nio.file.Path file = stack.writeConfig(dataDir.resolve("deja.properties"));
                    out.accept("");
                    out.accept("kept up until Ctrl-C; upload more with");
                    out.accept("  java -jar devstack/target/deja-dev.jar upload --config " + file + " --bucket "
                            + LocalStack.PHOTOS + " FILE...");
                    CountDownLatch stop = new CountDownLatch(1);
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                        stop.countDown();
                        try {
                            stopped.await(60, TimeUnit.SECONDS); // let the closes below run before the JVM exits
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }, "deja-demo-stop"));
                    stop.await();
                    out.accept("stopping...");
                }
                return report;
            }
        } finally {
            stopped.countDown();
        }
    }

    public static List<String> summary(Report r, LocalStack stack) {
        List<String> lines = new ArrayList<>();
        lines.add("");
        lines.add("Deja demo summary");
        lines.add(String.format("  uploads              %6d", r.uploads()));
        lines.add(String.format("  distinct contents    %6d", r.distinctContents()));
        lines.add(String.format("  output records       %6d", r.outputs().size()));
        lines.add(String.format("  invocations made     %6d", r.invocations()));
        lines.add(String.format("  invocations saved    %6d  (%.0f%%)", r.saved(), 100.0 * r.saved() / Math.max(1, r.uploads())));
        r.outcomes().forEach((outcome, count) -> lines.add(String.format("  outcome %-12s %6d", outcome, count)));
        lines.add(String.format("  end-to-end latency   p50 %d ms, p99 %d ms", r.latencyP50Ms(), r.latencyP99Ms()));
        lines.add(String.format("  elapsed              %d ms", r.elapsedMs()));
        r.outputs().stream().filter(o -> o.result() != null && o.result().has("thumbnail")).findFirst().ifPresent(o ->
                lines.add("  thumbnails           e.g. " + o.result().get("thumbnail").asText() + " (bucket '"
                        + LocalStack.THUMBNAILS + "' under " + stack.dataDir().resolve("s3") + ")"));
        return lines;
    }

    static long percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int index = (int) Math.ceil(p * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
