package dev.deja.bench;

import dev.deja.app.DejaApp;
import dev.deja.app.Role;
import dev.deja.config.DejaConfig;
import dev.deja.config.Rule;
import dev.deja.serde.JsonSerde;
import dev.deja.model.DedupKey;
import dev.deja.model.InvocationRequest;
import java.nio.charset.StandardCharsets;
import dev.deja.invoke.OpenWhiskClient;
import dev.deja.invoke.OpenWhiskSettings;
import dev.deja.local.LocalCouch;
import dev.deja.local.ActionHost;
import dev.deja.local.LocalStack;
import dev.deja.mirror.CouchClient;
import dev.deja.mirror.CouchSettings;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code deja bench}: starts the embedded stack (Kafka broker, s3proxy, an OpenWhisk-compatible
 * action host with a fake action of configurable latency, pouchdb-server when Node.js is there)
 * and measures, side by side on the same input:
 * <ol>
 *   <li>a Kafka Streams pass-through (the ceiling),</li>
 *   <li>Deja's cache-hit path,</li>
 *   <li>Deja under a Zipf mixed load, and the invoker's rate at saturation,</li>
 *   <li>the naive baseline (CouchDB lookup, invoke, write),</li>
 *   <li>a large dedup table (size, RSS, restore time),</li>
 *   <li>MD5 throughput of objects streamed from s3proxy,</li>
 *   <li>lifecycle: repeated activations on a graceful stop, a join and a kill,</li>
 *   <li>cold start: fresh processes of Deja and of the pass-through drain the same backlog of cache hits.</li>
 * </ol>
 * Writes {@code report.md}, {@code bench.png} and {@code results.json} to the options' directory.
 */
public final class Bench {

    private static final Logger LOG = LoggerFactory.getLogger(Bench.class);
    static final int SCENARIOS = 8;
    static final String PT_IN = "bench-passthrough-in";
    static final String PT_OUT = "bench-passthrough-out";
    static final String NAIVE_IN = "bench-naive-in";
    static final String NAIVE_OUT = "bench-naive-out";
    static final String DEJA_APPLICATION_ID = "deja-bench";
    static final String PASS_THROUGH = "Kafka Streams pass-through";
    static final String CACHE_HIT = "Deja, cache-hit path";
    static final String MIXED = "Deja, mixed load (Zipf)";
    /** The fewest unmeasured passes of the mixed load before its rounds, so that its miss path is measured warm. */
    static final int MIXED_WARM_UP_PASSES = 2;
    /** The JIT compiler's share of one core below which warm-up stops. */
    static final double JIT_SETTLED = 0.10;

    private final BenchOptions options;
    private final Consumer<String> progress;

    private Bench(BenchOptions options, Consumer<String> progress) {
        this.options = options;
        this.progress = progress;
    }

    /** Runs every scenario and writes the results; {@code progress} gets one line per step. */
    public static BenchReport run(BenchOptions options, Consumer<String> progress) throws Exception {
        return new Bench(options, progress).runAll();
    }

    private BenchReport runAll() throws Exception {
        Instant started = Instant.now();
        Files.createDirectories(options.outDir());
        // Scenario 8 starts Deja from its production jar, with any variants of DEJA_BENCH_COLD_VARIANTS: a missing jar
        // or a bad variant fails now, not after the other scenarios.
        Path dejaJar = null;
        if (options.runs(8)) {
            dejaJar = ColdStartBench.dejaJar();
            ColdStartBench.extraVariants();
        }
        Path dataDir = Files.createTempDirectory("deja-bench-");
        List<ScenarioResult> results = new ArrayList<>();
        Map<String, String> settings;
        progress.accept("starting the embedded stack (Kafka, s3proxy, action host"
                + (options.couch() ? ", pouchdb-server if Node.js is installed" : "") + ")...");
        try (LocalStack stack = LocalStack.start(dataDir, new LocalStack.Options(options.couch(),
                Math.max(128, options.inFlight() * 4), Duration.ZERO))) {
            BenchAction action = new BenchAction(options.actionLatency());
            stack.actions().register(BenchAction.NAME, BenchAction.VERSION, action::main);
            settings = dejaSettings(stack, dataDir);
            DejaConfig config = DejaConfig.load(null, Map.of(), settings);
            String bootstrap = stack.kafka().bootstrapServers();
            for (String topic : List.of(PT_IN, PT_OUT, NAIVE_IN, NAIVE_OUT, ColdStartBench.PT_IN, ColdStartBench.PT_OUT)) {
                stack.kafka().createTopic(topic, options.partitions(), Map.of());
            }
            // Deja's topics exist well before Deja starts: TopicSetup describes a topic right after
            // creating it, which a broker that has not caught up yet can refuse.
            Map<String, String> scaleSettings = new LinkedHashMap<>(settings);
            scaleSettings.putAll(StateScale.topics());
            DejaConfig scaleConfig = DejaConfig.load(null, Map.of(), scaleSettings);
            for (DejaConfig deployment : List.of(config, scaleConfig)) {
                for (String key : List.of(DejaConfig.INPUT_TOPIC_CONFIG, DejaConfig.INVOCATIONS_TOPIC_CONFIG,
                        DejaConfig.RESULTS_TOPIC_CONFIG, DejaConfig.OUTPUT_TOPIC_CONFIG, DejaConfig.DLQ_TOPIC_CONFIG)) {
                    stack.kafka().createTopic(deployment.getString(key), options.partitions(), Map.of());
                }
                stack.kafka().createTopic(deployment.getString(DejaConfig.TABLE_TOPIC_CONFIG), options.partitions(),
                        Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            }
            Workload workload = Workload.zipf(options.events(), options.contents(), options.zipfExponent(), options.seed());
            Workload runInput = Workload.zipf(options.roundEvents(), options.contents(), options.zipfExponent(), options.seed());
            progress.accept("input: " + runInput.size() + " events over " + runInput.uniqueContents()
                    + " distinct contents per run of (1) and (2); " + workload.size() + " events over "
                    + workload.uniqueContents() + " for (3) and (4) (Zipf s=" + options.zipfExponent() + " over "
                    + options.contents() + ")");
            try (EventFeed feed = new EventFeed(bootstrap); Admin admin = stack.kafka().admin()) {
                results.addAll(streamsScenarios(config, feed, bootstrap, runInput, workload, action, stack.actions()));
                results.add(options.runs(4) ? naive(stack, feed, bootstrap, workload, action)
                        : notSelected(4, "Naive baseline (CouchDB lookup, invoke, write)"));
                if (options.runs(5)) {
                    progress.accept("[5/8] scale of state: writing " + options.tableEntries() + " table entries");
                    results.add(StateScale.run(scaleConfig, admin, bootstrap, options.tableEntries(),
                            DedupKey.functionVersion(BenchAction.VERSION, stack.actions().updated(BenchAction.NAME)), progress));
                } else {
                    results.add(notSelected(5, StateScale.TITLE));
                }
            }
            if (options.runs(6)) {
                progress.accept("[6/8] hashing: uploading " + options.hashObjects() + " objects to s3proxy");
                results.add(HashingBench.run(stack.s3(), options.hashObjects(), options.hashObjectBytes(),
                        options.seed(), progress));
            } else {
                results.add(notSelected(6, HashingBench.TITLE));
            }
            if (options.runs(7)) {
                try (EventFeed feed = new EventFeed(stack.kafka().bootstrapServers())) {
                    results.add(LifecycleBench.run(stack, settings, dataDir, options.quick(), feed, progress));
                }
            } else {
                results.add(notSelected(7, LifecycleBench.TITLE));
            }
            if (options.runs(8)) {
                try (EventFeed feed = new EventFeed(stack.kafka().bootstrapServers())) {
                    results.add(ColdStartBench.run(stack, settings, options, feed, dejaJar, progress));
                }
            } else {
                results.add(notSelected(8, ColdStartBench.TITLE));
            }
        } finally {
            StateScale.deleteRecursively(dataDir);
        }
        Map<String, String> shown = new LinkedHashMap<>(settings);
        shown.keySet().removeIf(key -> key.contains("auth") || key.contains("secret") || key.contains("access.key")
                || key.equals(DejaConfig.BOOTSTRAP_SERVERS_CONFIG) || key.equals(DejaConfig.STATE_DIR_CONFIG)
                || key.equals(DejaConfig.OPENWHISK_API_HOST_CONFIG));
        BenchReport report = new BenchReport(options, shown, results, started, Instant.now());
        report.write(options.outDir());
        return report;
    }

    /** Deja's settings for the bench, explicit: they are in the report. */
    private Map<String, String> dejaSettings(LocalStack stack, Path dataDir) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(DejaConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers());
        settings.put(DejaConfig.STATE_DIR_CONFIG, dataDir.resolve("state").toString());
        settings.put(DejaConfig.APPLICATION_ID_CONFIG, DEJA_APPLICATION_ID);
        settings.put(DejaConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        settings.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        settings.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
        settings.put(DejaConfig.PARTITIONS_CONFIG, String.valueOf(options.partitions()));
        settings.put(DejaConfig.INVOKER_MAX_IN_FLIGHT_CONFIG, String.valueOf(options.inFlight()));
        settings.put(DejaConfig.RULES_CONFIG, "bench");
        settings.put("deja.rule.bench.action", BenchAction.NAME);
        settings.put("deja.rule.bench.bucket", EventFeed.BUCKET);
        settings.put(DejaConfig.OPENWHISK_API_HOST_CONFIG, stack.actions().url());
        settings.put(DejaConfig.OPENWHISK_NAMESPACE_CONFIG, stack.actions().namespace());
        settings.put(DejaConfig.OPENWHISK_AUTH_CONFIG, stack.actions().apiKey());
        settings.put(DejaConfig.MIRROR_ENABLED_CONFIG, "false");
        settings.put(DejaConfig.ADMIN_ADDRESS_CONFIG, "");
        settings.putAll(options.settings());
        return settings;
    }

    /**
     * Scenarios 1 to 3, on one running Deja: the pass-through's latency run uses the rate the
     * cache-hit run found Deja can sustain.
     */
    private List<ScenarioResult> streamsScenarios(DejaConfig config, EventFeed feed, String bootstrap,
                                                  Workload runInput, Workload mixed, BenchAction action,
                                                  ActionHost host) throws Exception {
        List<ScenarioResult> results = new ArrayList<>();
        boolean deja = options.runs(2) || options.runs(3);
        KafkaStreams streams = null;
        DejaApp app = null;
        try {
            if (options.runs(1)) {
                progress.accept("[1/8] pass-through: starting a Kafka Streams app (read + write, same settings)");
                streams = PassThrough.create(config, PT_IN, PT_OUT);
                streams.start();
                awaitRunning(streams, Duration.ofMinutes(2));
            }
            if (deja) {
                app = DejaApp.start(config, Role.ALL);
                app.awaitRunning(Duration.ofMinutes(2));
            }
            String input = config.getString(DejaConfig.INPUT_TOPIC_CONFIG);
            String output = config.getString(DejaConfig.OUTPUT_TOPIC_CONFIG);
            Measured tableWarmUp = null;
            if (options.runs(1)) {
                measure(1, "pass-through warm-up", feed, bootstrap, PT_IN, PT_OUT, new EventFeed.Run("pt-warm", "pt", runInput), 0);
            }
            if (options.runs(2)) {
                Workload warm = runInput.firstOfEach();
                progress.accept("[2/8] cache hit: warming the table with the " + warm.size() + " distinct contents");
                tableWarmUp = measure(2, "cache hit warm-up", feed, bootstrap, input, output,
                        new EventFeed.Run("hit-warm", "hit", warm), 0);
                measure(2, "cache hit warm-up", feed, bootstrap, input, output,
                        new EventFeed.Run("hit-warm-all", "hit", runInput), 0);
            }
            warmUntilJitSettles(0, pass -> {
                if (options.runs(1)) {
                    measure(1, "pass-through warm-up " + pass, feed, bootstrap, PT_IN, PT_OUT,
                            new EventFeed.Run("pt-warm-" + pass, "pt", runInput), 0);
                }
                if (options.runs(2)) {
                    measure(2, "cache hit warm-up " + pass, feed, bootstrap, input, output,
                            new EventFeed.Run("hit-warm-" + pass, "hit", runInput), 0);
                }
            });
            // Rounds alternate between the two, so drift on this machine (the JIT, other load) reaches both alike.
            long jitBefore = jitMs();
            long roundsStart = System.nanoTime();
            List<Measured> ptRounds = new ArrayList<>();
            List<Measured> hitRounds = new ArrayList<>();
            RoundProfile.Costs ptCosts = RoundProfile.Costs.NONE;
            RoundProfile.Costs hitCosts = RoundProfile.Costs.NONE;
            for (int round = 1; round <= options.rounds(); round++) {
                String of = " (round " + round + "/" + options.rounds() + ")";
                if (options.runs(1)) {
                    RoundProfile.Snapshot before = RoundProfile.snapshot();
                    Measured pt = measure(1, "pass-through" + of, feed, bootstrap, PT_IN, PT_OUT,
                            new EventFeed.Run("pt-" + round, "pt", runInput), 0);
                    ptCosts = ptCosts.plus(RoundProfile.between(before, RoundProfile.snapshot(), pt.events()));
                    ptRounds.add(pt);
                }
                if (options.runs(2)) {
                    RoundProfile.Snapshot before = RoundProfile.snapshot();
                    Measured hit = measure(2, "cache hit" + of, feed, bootstrap, input, output,
                            new EventFeed.Run("hit-" + round, "hit", runInput), 0);
                    hitCosts = hitCosts.plus(RoundProfile.between(before, RoundProfile.snapshot(), hit.events()));
                    hitRounds.add(hit);
                }
            }
            double jitShare = (jitMs() - jitBefore) / Math.max(1.0, (System.nanoTime() - roundsStart) / 1e6);
            CacheHit cacheHit = options.runs(2) ? cacheHit(feed, bootstrap, input, output, runInput, median(hitRounds, Measured::throughput),
                    tableWarmUp, jitShare, hitCosts) : null;
            if (options.runs(1)) {
                // The latency runs of (1) and (2) share one rate, one Deja can sustain here.
                int rate = cacheHit == null ? options.pacedRate() : cacheHit.rate();
                int events = cacheHit == null ? options.pacedEvents() : cacheHit.paced().events();
                results.add(passThroughResult(feed, bootstrap, runInput, median(ptRounds, Measured::throughput), rate, events,
                        jitShare, ptCosts));
            }
            if (cacheHit != null) {
                results.add(cacheHit.result());
            }
            if (options.runs(3)) {
                results.add(mixed(config, feed, bootstrap, mixed, action, host));
            }
        } finally {
            if (app != null) {
                app.close();
            }
            if (streams != null) {
                streams.close();
            }
        }
        return withSkipped(results);
    }

    /** The round whose {@code figure} is the median (the upper one of an even count). */
    static <T> T median(List<T> rounds, ToDoubleFunction<T> figure) {
        List<T> sorted = new ArrayList<>(rounds);
        sorted.sort(Comparator.comparingDouble(figure));
        return sorted.get(sorted.size() / 2);
    }

    private ScenarioResult passThroughResult(EventFeed feed, String bootstrap, Workload workload, Measured blast,
                                             int rate, int events, double jitShare, RoundProfile.Costs costs) {
        Measured paced = measure(1, "pass-through (paced)", feed, bootstrap, PT_IN, PT_OUT,
                new EventFeed.Run("pt-paced", "pt", workload.take(events)), rate);
        ScenarioResult.Builder builder = throughputFigures(new ScenarioResult.Builder(1, PASS_THROUGH), blast, paced, rate, jitShare);
        costs.addTo(builder);
        return builder
                .note("Reads and writes bytes unchanged with DejaTopology.properties (same processing"
                        + " guarantee, commit interval, compression) and " + options.partitions() + " partitions.")
                .note("Like Deja in (2), it first runs the whole input, not measured, until the JIT compiler is"
                        + " quiet (busy less than " + percent(JIT_SETTLED) + " of a core during a pass of both) or "
                        + options.warmUp().toSeconds() + " s have passed; then " + options.rounds() + " rounds"
                        + " alternate between (1) and (2), and each reports its round of median throughput.")
                .build();
    }

    /** The results of scenarios 1 to 3 in order, a skipped one for each not selected. */
    private List<ScenarioResult> withSkipped(List<ScenarioResult> measured) {
        Map<Integer, String> titles = Map.of(1, PASS_THROUGH, 2, CACHE_HIT, 3, MIXED);
        List<ScenarioResult> all = new ArrayList<>();
        for (int number = 1; number <= 3; number++) {
            int n = number;
            all.add(measured.stream().filter(r -> r.number() == n).findFirst()
                    .orElseGet(() -> notSelected(n, titles.get(n))));
        }
        return all;
    }

    private ScenarioResult notSelected(int number, String title) {
        progress.accept("[" + number + "/" + SCENARIOS + "] " + title + ": not selected (--scenarios)");
        return ScenarioResult.skipped(number, title, "not selected (--scenarios)");
    }

    /** Scenario 2's result, and the rate its latency run used. */
    private record CacheHit(ScenarioResult result, Measured paced, int rate) {
    }

    private CacheHit cacheHit(EventFeed feed, String bootstrap, String input, String output, Workload workload,
                              Measured blast, Measured warmUp, double jitShare, RoundProfile.Costs costs) {
        // A latency run at a rate Deja cannot sustain would measure a growing queue, not latency.
        int rate = (int) Math.max(10, Math.min(options.pacedRate(), blast.throughput() / 2));
        int pacedEvents = (int) Math.max(100, Math.min(options.pacedEvents(), rate * (options.quick() ? 10L : 30L)));
        Measured paced = measure(2, "cache hit (paced)", feed, bootstrap, input, output,
                new EventFeed.Run("hit-paced", "hit", workload.take(pacedEvents)), rate);
        long cached = blast.outcomes().getOrDefault("CACHED", 0L) + paced.outcomes().getOrDefault("CACHED", 0L);
        ScenarioResult.Builder builder = throughputFigures(new ScenarioResult.Builder(2, CACHE_HIT), blast, paced, rate, jitShare)
                .figure("cached", "outputs answered CACHED", cached, "of " + (blast.events() + paced.events()))
                .figure("warmup_outputs", "warm-up outputs", warmUp.outputs(), "of " + warmUp.events());
        costs.addTo(builder);
        ScenarioResult result = builder
                .note("The table first holds every content of the input (warm-up runs, not measured); then the"
                        + " same input is replayed as new uploads: every answer comes from the table.")
                .note("Latency runs of (1) and (2): " + pacedEvents + " events at " + rate + " events/s, the lower of "
                        + options.pacedRate() + "/s and half the cache-hit throughput.")
                .build();
        return new CacheHit(result, paced, rate);
    }

    private ScenarioResult mixed(DejaConfig config, EventFeed feed, String bootstrap, Workload workload,
                                 BenchAction action, ActionHost host) {
        String input = config.getString(DejaConfig.INPUT_TOPIC_CONFIG);
        String output = config.getString(DejaConfig.OUTPUT_TOPIC_CONFIG);
        // Warm like (1) and (2): unmeasured passes run the miss path (dedup, invoker, OpenWhisk client) through
        // the JIT first, each on contents of its own, new to the table.
        int warmUpPasses = warmUntilJitSettles(MIXED_WARM_UP_PASSES, pass -> measure(3, "mixed load warm-up " + pass,
                feed, bootstrap, input, output, new EventFeed.Run("mixed-warm-" + pass, "mixed-warm-" + pass, workload), 0));
        List<Map.Entry<Measured, BenchAction.Stats>> mixedRounds = new ArrayList<>();
        RoundProfile.Costs mixedCosts = RoundProfile.Costs.NONE;
        int inexact = 0;
        for (int round = 1; round <= options.rounds(); round++) {
            action.reset();
            RoundProfile.Snapshot before = RoundProfile.snapshot();
            Measured measured = measure(3, "mixed load (round " + round + "/" + options.rounds() + ")", feed, bootstrap,
                    input, output, new EventFeed.Run("mixed-" + round, "mixed-" + round, workload), 0);
            mixedCosts = mixedCosts.plus(RoundProfile.between(before, RoundProfile.snapshot(), measured.events()));
            BenchAction.Stats stats = action.stats();
            mixedRounds.add(Map.entry(measured, stats));
            if (stats.invocations() != workload.uniqueContents() || measured.duplicates() > 0
                    || measured.outputs() != measured.events()) {
                inexact++;
            }
        }
        Map.Entry<Measured, BenchAction.Stats> mixedMiddle = median(mixedRounds, round -> round.getKey().throughput());
        Measured blast = mixedMiddle.getKey();
        BenchAction.Stats mixedStats = mixedMiddle.getValue();
        saturate(config, feed, bootstrap, "saturation-warm", "warm-up");
        List<Map.Entry<Measured, BenchAction.Stats>> rounds = new ArrayList<>();
        long requestsBefore = host.posts() + host.reads();
        long invocations = 0;
        for (int round = 1; round <= options.rounds(); round++) {
            action.reset();
            Measured run = saturate(config, feed, bootstrap, "saturation-" + round,
                    "round " + round + "/" + options.rounds());
            rounds.add(Map.entry(run, action.stats()));
            invocations += action.stats().invocations();
        }
        double requestsPerInvocation = (double) (host.posts() + host.reads() - requestsBefore) / Math.max(1, invocations);
        Map.Entry<Measured, BenchAction.Stats> middle = median(rounds, round -> round.getValue().callsPerSecond());
        Measured saturation = middle.getKey();
        BenchAction.Stats satStats = middle.getValue();
        ScenarioResult.Builder builder = new ScenarioResult.Builder(3, MIXED)
                .measured(blast)
                .figure(ScenarioResult.Figure.INVOCATIONS, "invocations made", mixedStats.invocations(), "")
                .figure(ScenarioResult.Figure.UNIQUE, "unique contents", workload.uniqueContents(), "")
                .figure(ScenarioResult.Figure.IN_FLIGHT, "in-flight calls reached", mixedStats.maxConcurrent(),
                        "of " + options.inFlight())
                .figure("mixed_rounds_inexact", "mixed-load rounds with invocations other than the unique contents,"
                        + " a duplicate or a missing output", inexact, "of " + options.rounds())
                .figure("saturation_outputs", "saturation run results", saturation.outputs(), "of " + options.saturationContents())
                .figure("saturation_invocations", "saturation run invocations", satStats.invocations(), "")
                .figure(ScenarioResult.Figure.INVOKER_RATE, "invoker rate at saturation", satStats.callsPerSecond(),
                        "calls/s")
                .figure("invoker_ceiling", "in-flight limit / action latency", options.invokerCeiling(), "calls/s")
                .figure("saturation_in_flight", "in-flight calls reached at saturation", satStats.maxConcurrent(),
                        "of " + options.inFlight())
                .figure("saturation_http_per_invocation", "HTTP requests per invocation at saturation",
                        requestsPerInvocation, "");
        blast.outcomes().forEach((outcome, count) ->
                builder.figure("outcome_" + outcome, "outcome " + outcome, count, ""));
        mixedCosts.addTo(builder);
        return builder
                .note("Fake action latency " + options.actionLatency().toMillis() + " ms; contents new to the table.")
                .note("Latencies here are from events sent all at once: they include the time queued behind"
                        + " the rest of the run.")
                .note("Mixed load: " + warmUpPasses + " unmeasured passes (at least " + MIXED_WARM_UP_PASSES
                        + ", then until the JIT compiler is quiet, as for (1) and (2)), then " + options.rounds()
                        + " measured rounds, each on contents new to the table; the figures are the round of median"
                        + " throughput (rounds: " + mixedRounds.stream().map(round -> String.format(Locale.ROOT, "%.0f",
                        round.getKey().throughput())).collect(Collectors.joining(", "))
                        + " events/s).")
                .note("Invoker rate: calls / (last call end - first call start) over " + options.saturationContents()
                        + " invocation requests written at once to the invocations topic, as the dedup stage writes"
                        + " them, so the invoker is measured on its own, not behind the dedup stage; after one"
                        + " unmeasured run of as many other requests, the median of " + options.rounds() + " rounds.")
                .build();
    }

    /**
     * Writes {@code saturationContents} invocation requests for new contents at once to the
     * invocations topic and waits for their results; {@code salt} keeps each run's contents apart.
     */
    private Measured saturate(DejaConfig config, EventFeed feed, String bootstrap, String salt, String what) {
        progress.accept("[3/8] invoker saturation (" + what + "): " + options.saturationContents()
                + " invocation requests written at once to the invocations topic");
        Workload fresh = Workload.distinct(options.saturationContents());
        Rule rule = config.rules().get(0);
        Serializer<InvocationRequest> requests = JsonSerde.of(InvocationRequest.class).serializer();
        String invocations = config.getString(DejaConfig.INVOCATIONS_TOPIC_CONFIG);
        EventFeed.Run run = new EventFeed.Run(salt, salt, fresh);
        try (OutputWatcher watcher = new OutputWatcher(bootstrap, config.getString(DejaConfig.RESULTS_TOPIC_CONFIG), run)) {
            var sent = feed.sendRecordsAsync(invocations, run, (i, md5) -> {
                String key = DedupKey.of(BenchAction.NAME, BenchAction.VERSION, rule.paramsHash(), md5);
                InvocationRequest request = new InvocationRequest(key, BenchAction.NAME, BenchAction.VERSION,
                        rule.params(), 1, System.currentTimeMillis(), 0L);
                return Map.entry(key, new String(requests.serialize(invocations, request), StandardCharsets.UTF_8));
            });
            watcher.await(Duration.ofSeconds(120 + fresh.size() / 20), n -> progress.accept(
                    "[3/8] invoker saturation (" + what + "): " + n + "/" + fresh.size() + " results"));
            sent.join();
            return new Measured(fresh.size(), watcher.outputs(), watcher.duplicates(), watcher.throughput(),
                    watcher.latencyMs(0.5), watcher.latencyMs(0.99), watcher.latencyMs(1.0), Map.of());
        }
    }

    private ScenarioResult naive(LocalStack stack, EventFeed feed, String bootstrap, Workload workload,
                                 BenchAction action) {
        String title = "Naive baseline (CouchDB lookup, invoke, write)";
        Optional<LocalCouch> couch = stack.couch();
        if (couch.isEmpty()) {
            String reason = options.couch()
                    ? "skipped: Node.js (node, npm) or scripts/pouchdb-server not found, so no CouchDB-API server"
                    : "skipped: --no-couch";
            progress.accept("[4/8] naive baseline: " + reason);
            return ScenarioResult.skipped(4, title, reason);
        }
        progress.accept("[4/8] naive baseline: CouchDB lookup + invoke + write, " + options.inFlight() + " at once");
        CouchClient client = new CouchClient(CouchSettings.of(couch.get().url(), "deja-bench-naive", null, null));
        client.ensureDatabase();
        OpenWhiskSettings settings = OpenWhiskSettings.builder(stack.actions().url(), stack.actions().apiKey())
                .namespace(stack.actions().namespace()).maxConcurrentCalls(options.inFlight()).build();
        action.reset();
        try (OpenWhiskClient openWhisk = new OpenWhiskClient(settings);
             NaiveBaseline naive = new NaiveBaseline(bootstrap, NAIVE_IN, NAIVE_OUT, client, openWhisk,
                     BenchAction.NAME, options.inFlight())) {
            Measured blast = measure(4, "naive baseline", feed, bootstrap, NAIVE_IN, NAIVE_OUT,
                    new EventFeed.Run("naive", "naive", workload), 0);
            BenchAction.Stats stats = action.stats();
            return new ScenarioResult.Builder(4, title)
                    .measured(blast)
                    .figure(ScenarioResult.Figure.INVOCATIONS, "invocations made", stats.invocations(), "")
                    .figure(ScenarioResult.Figure.UNIQUE, "unique contents", workload.uniqueContents(), "")
                    .figure("extra_invocations", "invocations beyond one per content",
                            stats.invocations() - workload.uniqueContents(), "")
                    .figure(ScenarioResult.Figure.IN_FLIGHT, "in-flight calls reached", stats.maxConcurrent(),
                            "of " + options.inFlight())
                    .figure("errors", "errors", naive.errors(), "")
                    .note("Same input as scenario 3 (contents new to CouchDB), " + options.inFlight()
                            + " events handled at once, at-least-once, pouchdb-server as CouchDB.")
                    .build();
        }
    }

    private ScenarioResult.Builder throughputFigures(ScenarioResult.Builder builder, Measured blast, Measured paced,
                                                     int rate, double jitShare) {
        return builder
                .measured(blast)
                .figure("jit_busy_pct", "JIT compiler busy during the rounds", Math.round(jitShare * 100), "% of a core")
                .figure("paced_rate", "latency run: rate", rate, "events/s")
                .figure("paced_events", "latency run: events", paced.events(), "")
                .figure("paced_outputs", "latency run: outputs", paced.outputs(), "")
                .figure(ScenarioResult.Figure.P50, "end-to-end p50 at " + rate + " events/s", paced.p50(), "ms")
                .figure(ScenarioResult.Figure.P99, "end-to-end p99 at " + rate + " events/s", paced.p99(), "ms")
                .figure(ScenarioResult.Figure.MAX, "end-to-end max at " + rate + " events/s", paced.max(), "ms");
    }

    /**
     * Unmeasured passes ({@code pass} gets its number), at least {@code minPasses}, then until the JIT compiler was busy
     * less than {@link #JIT_SETTLED} of one core during a pass, or {@code options.warmUp()} is spent; returns the passes
     * run. On 2 cores, with the broker in the same JVM, the C2 compiler takes a third of the CPU for minutes; a path
     * measured meanwhile is measured at a fraction of its speed, and the longer path more so.
     */
    private int warmUntilJitSettles(int minPasses, IntConsumer pass) {
        long deadline = System.nanoTime() + options.warmUp().toNanos();
        int passes = 0;
        while (passes < minPasses || System.nanoTime() < deadline) {
            long jit = jitMs();
            long start = System.nanoTime();
            pass.accept(++passes);
            double busy = (jitMs() - jit) / Math.max(1.0, (System.nanoTime() - start) / 1e6);
            boolean settled = busy < JIT_SETTLED && passes >= minPasses;
            progress.accept("warm-up pass " + passes + ": the JIT compiler was busy " + percent(busy) + " of a core"
                    + (settled ? ", quiet enough: measuring" : ""));
            if (settled) {
                return passes;
            }
        }
        if (!options.warmUp().isZero()) {
            progress.accept("warm-up: " + options.warmUp().toSeconds() + " s spent, the JIT compiler still busy: measuring");
        }
        return passes;
    }

    /** Milliseconds the JIT compiler threads have spent compiling, summed over them. */
    private static long jitMs() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    private static String percent(double share) {
        return Math.round(share * 100) + "%";
    }

    /** What one run of events measured. */
    record Measured(int events, int outputs, long duplicates, double throughput, long p50, long p99, long max,
                    Map<String, Long> outcomes) {
    }

    private Measured measure(int number, String name, EventFeed feed, String bootstrap, String input, String output,
                             EventFeed.Run run, int rate) {
        try (OutputWatcher watcher = new OutputWatcher(bootstrap, output, run)) {
            progress.accept("[" + number + "/" + SCENARIOS + "] " + name + ": sending " + run.size() + " events"
                    + (rate > 0 ? " at " + rate + "/s" : " at once"));
            var sent = feed.sendAsync(input, run, rate);
            Duration timeout = Duration.ofSeconds(120 + run.size() / 50 + (rate > 0 ? run.size() / rate : 0));
            watcher.await(timeout, n -> progress.accept("[" + number + "/" + SCENARIOS + "] " + name + ": "
                    + n + "/" + run.size() + " outputs"));
            sent.join();
            watcher.drain(Duration.ofMillis(300));
            Measured measured = new Measured(run.size(), watcher.outputs(), watcher.duplicates(), watcher.throughput(),
                    watcher.latencyMs(0.50), watcher.latencyMs(0.99), watcher.latencyMs(1.0), watcher.outcomes());
            progress.accept(String.format("[%d/%d] %s: %d/%d outputs, %.0f events/s, p50 %d ms, p99 %d ms",
                    number, SCENARIOS, name, measured.outputs(), run.size(), measured.throughput(), measured.p50(),
                    measured.p99()));
            if (measured.outputs() < run.size()) {
                LOG.warn("{}: only {} of {} outputs arrived in time", name, measured.outputs(), run.size());
            }
            return measured;
        }
    }

    private static void awaitRunning(KafkaStreams streams, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("pass-through app not running after " + timeout + ": " + streams.state());
            }
            Thread.sleep(50);
        }
    }
}
