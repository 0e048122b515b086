package dev.deja.bench;

import dev.deja.config.DejaConfig;
import dev.deja.local.LocalStack;
import dev.deja.topology.DejaTopology;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scenario 8: cold start, as an operator sees it after an outage or a deploy with a backlog. A
 * backlog of cache hits is written to Deja's input topic while no Deja runs, and the same sequence
 * to a pass-through's input topic; then a fresh process of each drains it, one after the other:
 * Deja as users start it ({@code java -Xmx1g -XX:+UseParallelGC -jar streams-app/target/deja.jar run --config FILE},
 * the file holding the bench's Deja settings), and the Kafka Streams pass-through of scenario 1
 * ({@link PassThrough#main}) with the same Streams settings and heap. Deja keeps the local state the
 * bench's own Deja left in its state directory, as a restart after an outage keeps it.
 *
 * <p>Measured by a {@code read_committed} consumer in the bench, for each process: launch to first
 * output (start-up), outputs / (last output - first output) (drain rate), and events / (last output
 * - launch) (overall rate); every event must have exactly one output, answered CACHED. Deja is also
 * started with variants of its JVM flags: an AppCDS archive (dynamic, written by an unmeasured
 * training run of the same jar on the same stack), the C1 compiler alone, on Java 25 and later an AOT cache
 * (written by a second training run), and any given in {@value #VARIANTS_ENV}.
 */
final class ColdStartBench {

    static final String TITLE = "Cold start (fresh processes drain a backlog of cache hits)";
    static final String PT_IN = "bench-cold-passthrough-in";
    static final String PT_OUT = "bench-cold-passthrough-out";
    static final String PT_APPLICATION_ID = "deja-bench-passthrough-cold";
    /** The production jar, relative to the repository root. */
    static final String DEJA_JAR = "streams-app/target/deja.jar";
    /** The salt of scenario 2's contents: the backlog holds contents the table already holds. */
    static final String HIT_SALT = "hit";
    static final String PASS_THROUGH = "passthrough";
    static final String DEJA = "deja";
    static final String DEJA_CDS = "deja_cds";
    static final String DEJA_CDS_IMAGE = "deja_cds_image";
    static final String DEJA_C1 = "deja_c1";
    static final String DEJA_AOT = "deja_aot";
    /** The first Java with an AOT cache that keeps method profiles too (JEPs 483, 514, 515). */
    static final int AOT_CACHE_JAVA = 25;
    private static final String CACHED = "CACHED";
    private static final Duration STOP_GRACE = Duration.ofSeconds(60);
    private static final Logger LOG = LoggerFactory.getLogger(ColdStartBench.class);

    /** JVM flags added to every process this scenario starts, space-separated: for looking inside, not for figures. */
    static final String EXTRA_FLAGS_ENV = "DEJA_BENCH_COLD_JAVA_OPTS";
    /**
     * More variants of Deja to measure in every round, beside the built-in ones, for trying JVM flags side by side:
     * {@code key=FLAGS;key=FLAGS}, each key a word ({@code [a-z0-9_]+}), each FLAGS space-separated.
     */
    static final String VARIANTS_ENV = "DEJA_BENCH_COLD_VARIANTS";

    /**
     * One way of starting a process: a row of the scenario.
     *
     * @param key   the stable prefix of its figures
     * @param label what a reader sees
     * @param deja  Deja from its production jar, else the pass-through
     * @param flags JVM flags beyond those every process gets
     */
    record Variant(String key, String label, boolean deja, List<String> flags) {
    }

    /** What one process measured on its backlog. */
    record Launch(int events, int outputs, long duplicates, long notCached, double startupMs, double drainRate,
                  double overallRate, double cpuSeconds) {
    }

    private final LocalStack stack;
    private final DejaConfig config;
    private final BenchOptions options;
    private final EventFeed feed;
    private final Path dejaJar;
    private final Path dir;
    private final Consumer<String> progress;
    /** The flags of {@link #EXTRA_FLAGS_ENV}, empty when it is not set. */
    private final List<String> extraFlags;
    private final List<String> commonFlags;

    private ColdStartBench(LocalStack stack, Map<String, String> settings, BenchOptions options, EventFeed feed,
                           Path dejaJar, Consumer<String> progress) {
        this.stack = stack;
        this.config = DejaConfig.load(null, Map.of(), settings);
        this.options = options;
        this.feed = feed;
        this.dejaJar = dejaJar;
        this.dir = options.outDir().toAbsolutePath().resolve("cold-start");
        this.progress = progress;
        // Both with the collector the image runs Deja with (docker/deja-entrypoint.sh), and any flags the one who
        // runs the bench adds to look inside (a profiler, -XX:+CITime): DEJA_BENCH_COLD_JAVA_OPTS.
        String extra = System.getenv().getOrDefault(EXTRA_FLAGS_ENV, "").strip();
        this.extraFlags = extra.isEmpty() ? List.of() : List.of(extra.split("\\s+"));
        List<String> flags = new ArrayList<>(List.of("-Xmx1g", "-XX:+UseParallelGC",
                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir")));
        flags.addAll(extraFlags);
        this.commonFlags = List.copyOf(flags);
    }

    /** Runs scenario 8 with the bench's Deja settings; {@code dejaJar} is {@link #dejaJar()}. */
    static ScenarioResult run(LocalStack stack, Map<String, String> settings, BenchOptions options, EventFeed feed,
                              Path dejaJar, Consumer<String> progress) throws Exception {
        return new ColdStartBench(stack, settings, options, feed, dejaJar, progress).runAll();
    }

    /**
     * The production jar, under the repository root: the working directory or the first of its
     * parents that holds {@code streams-app/pom.xml} (scripts/bench runs from the root, Maven's
     * tests from {@code devstack/}).
     *
     * @throws IllegalStateException naming the path when the jar is not there
     */
    static Path dejaJar() {
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("streams-app/pom.xml"))) {
                Path jar = dir.resolve(DEJA_JAR);
                if (!Files.isRegularFile(jar)) {
                    throw new IllegalStateException("scenario 8 (cold start) runs Deja from its production jar, and "
                            + jar + " does not exist: build it with `mvn -B -DskipTests -pl streams-app -am package`"
                            + " (scripts/bench does), or leave 8 out of --scenarios");
                }
                return jar;
            }
        }
        throw new IllegalStateException("scenario 8 (cold start) runs Deja from " + DEJA_JAR + " under the repository"
                + " root, and neither " + start + " nor a parent holds streams-app/pom.xml: run the bench from the"
                + " repository (scripts/bench does), or leave 8 out of --scenarios");
    }

    private ScenarioResult runAll() throws Exception {
        Files.createDirectories(dir);
        Path properties = ChildJvm.writeConfig(config, dir.resolve("deja.properties"),
                "deja bench: scenario 8, the bench's Deja settings");
        Path archive = dir.resolve("deja.jsa");
        Path imageArchive = dir.resolve("deja-image.jsa");
        Path loadedClasses = dir.resolve("loaded-classes.txt");
        Path aotCache = dir.resolve("deja.aot");
        for (Path file : List.of(archive, imageArchive, loadedClasses, aotCache)) {
            Files.deleteIfExists(file);
        }
        // Scenario 2's sequence (wrapped around if the backlog is longer): its contents are those its
        // warm-up put in the table.
        Workload backlog = Workload.zipf(options.roundEvents(), options.contents(), options.zipfExponent(), options.seed())
                .take(options.coldEvents());
        int rounds = options.quick() ? 1 : options.rounds();
        Variant passThrough = new Variant(PASS_THROUGH, "pass-through", false, List.of());
        Variant training = new Variant("training", "Deja, training run", true,
                List.of("-XX:ArchiveClassesAtExit=" + archive, "-XX:DumpLoadedClassList=" + loadedClasses, "-Xlog:cds=off"));
        List<Variant> variants = new ArrayList<>(List.of(passThrough, new Variant(DEJA, "Deja", true, List.of()),
                new Variant(DEJA_CDS_IMAGE, "Deja, image's CDS", true, List.of("-XX:SharedArchiveFile=" + imageArchive))));
        if (!options.quick()) {
            variants.add(2, new Variant(DEJA_CDS, "Deja, run's CDS", true, List.of("-XX:SharedArchiveFile=" + archive)));
            variants.add(new Variant(DEJA_C1, "Deja, C1 only", true, List.of("-XX:TieredStopAtLevel=1")));
        }
        variants.addAll(extraVariants());
        ScenarioResult.Builder result = new ScenarioResult.Builder(8, TITLE)
                .figure("cold_backlog_events", "backlog per process", backlog.size(), "events")
                .figure("cold_backlog_contents", "distinct contents in it", backlog.uniqueContents(), "")
                .figure("cold_rounds", "rounds", rounds, "");
        if (!extraFlags.isEmpty()) {
            result.note("Every process of this scenario also ran with " + String.join(" ", extraFlags)
                    + " (" + EXTRA_FLAGS_ENV + ").");
        }
        Map<String, List<Launch>> launches = new LinkedHashMap<>();
        try (Admin admin = stack.kafka().admin()) {
            forgetMembers(admin, passThrough);
            forgetMembers(admin, training);
            // Unmeasured: the table gets any content of the backlog it lacks (all of them when scenario 2 did not
            // run), the OS caches deja.jar, and the JVM writes the archive and the list of the classes this run loaded.
            // Quick mode after scenario 2 has no use for it: the table holds the backlog's contents.
            if (!options.quick() || !options.runs(2)) {
                Workload distinct = backlog.firstOfEach();
                progress.accept("[8/8] cold start: training run of Deja (writes an AppCDS archive), " + distinct.size()
                        + " distinct contents");
                Launch trained = launch(admin, training, distinct, "training", properties);
                result.figure("cold_training_outputs", "training run: outputs", trained.outputs(), "of " + trained.events())
                        .figure("cold_training_invoked", "training run: contents new to the table", trained.notCached(), "");
                if (Files.isRegularFile(archive) && Files.size(archive) > 0) {
                    result.figure("cds_archive_bytes", "AppCDS archive of the training run", Files.size(archive), "bytes");
                } else {
                    result.note("The training run wrote no AppCDS archive (see " + dir.resolve("training-training.log")
                            + "): the variant with it did not run.");
                }
                if (Files.isRegularFile(loadedClasses)) {
                    writeClassList(loadedClasses, dir.resolve("startup-classes.txt"));
                }
            }
            if (!Files.isRegularFile(archive)) {
                variants.removeIf(variant -> variant.key().equals(DEJA_CDS));
            }
            if (!options.quick() && Runtime.version().feature() >= AOT_CACHE_JAVA) {
                // A second training run, on the whole backlog: the cache keeps the classes and the profiles of the
                // methods this run ran, which the JIT then starts from.
                progress.accept("[8/8] cold start: AOT-cache training run of Deja (Java " + Runtime.version().feature()
                        + ", -XX:AOTCacheOutput), " + backlog.size() + " events");
                Variant aotTraining = new Variant("aot_training", "Deja, AOT-cache training run", true,
                        List.of("-XX:AOTCacheOutput=" + aotCache, "-Xlog:aot=off", "-Xlog:cds=off"));
                launch(admin, aotTraining, backlog, "training", properties);
                if (Files.isRegularFile(aotCache) && Files.size(aotCache) > 0) {
                    result.figure("aot_cache_bytes", "AOT cache of the AOT-cache training run", Files.size(aotCache),
                            "bytes");
                    variants.add(new Variant(DEJA_AOT, "Deja, AOT cache", true, List.of("-XX:AOTCache=" + aotCache)));
                } else {
                    result.note("The AOT-cache training run wrote no cache (see "
                            + dir.resolve("training-aot_training.log") + "): the variant with it did not run.");
                }
            }
            if (imageArchive(imageArchive)) {
                result.figure("cds_image_archive_bytes", "AppCDS archive of `deja cds-training`", Files.size(imageArchive),
                        "bytes");
            } else {
                variants.removeIf(variant -> variant.key().equals(DEJA_CDS_IMAGE));
                result.note("`deja cds-training` wrote no AppCDS archive (see " + dir.resolve("cds-training.log")
                        + "): the variant with it did not run.");
            }
            for (int round = 1; round <= rounds; round++) {
                for (Variant variant : variants) {
                    progress.accept("[8/8] cold start (round " + round + "/" + rounds + "): " + variant.label()
                            + ", writing a backlog of " + backlog.size() + " events while no process reads it");
                    Launch launch = launch(admin, variant, backlog, "round-" + round, properties);
                    launches.computeIfAbsent(variant.key(), key -> new ArrayList<>()).add(launch);
                }
            }
        }
        List<Launch> ceiling = launches.get(PASS_THROUGH);
        for (Variant variant : variants) {
            List<Launch> runs = launches.get(variant.key());
            String key = "cold_" + variant.key();
            String label = variant.label() + ": ";
            result.figure(key + "_startup_ms", label + "launch to first output", median(runs, Launch::startupMs), "ms")
                    .figure(key + "_drain_rate", label + "drain rate (first to last output)",
                            median(runs, Launch::drainRate), "events/s")
                    .figure(key + "_overall_rate", label + "overall rate (launch to last output)",
                            median(runs, Launch::overallRate), "events/s");
            if (variant.deja()) {
                result.figure(key + "_drain_ratio", label + "drain rate vs the pass-through",
                                medianRatio(runs, ceiling, Launch::drainRate), "x")
                        .figure(key + "_overall_ratio", label + "overall rate vs the pass-through",
                                medianRatio(runs, ceiling, Launch::overallRate), "x");
            }
            result.figure(key + "_cpu_s", label + "CPU time, launch to drained",
                            median(runs, Launch::cpuSeconds), "s")
                    .figure(key + "_outputs", label + "outputs", runs.stream().mapToLong(Launch::outputs).sum(),
                            "of " + (long) backlog.size() * runs.size())
                    .figure(key + "_duplicates", label + "duplicate outputs",
                            runs.stream().mapToLong(Launch::duplicates).sum(), "");
            if (variant.deja()) {
                result.figure(key + "_not_cached", label + "outputs not answered CACHED",
                        runs.stream().mapToLong(Launch::notCached).sum(), "");
            }
        }
        StringBuilder perRound = new StringBuilder("Each round's drain rate (events/s) and launch to first output (ms): ");
        for (Variant variant : variants) {
            perRound.append(variant == variants.get(0) ? "" : "; ").append(variant.label()).append(' ');
            List<Launch> runs = launches.get(variant.key());
            for (int round = 0; round < runs.size(); round++) {
                perRound.append(round == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f / %.0f",
                        runs.get(round).drainRate(), runs.get(round).startupMs()));
            }
        }
        result.note(perRound.append('.').toString());
        return result
                .note("Variants of Deja: \"run's CDS\" is the AppCDS archive the training run (next note) wrote at"
                        + " exit (-XX:ArchiveClassesAtExit: the classes of a real start and its first outputs); \"image's"
                        + " CDS\" the archive the Docker image builds, with no broker: `java -XX:ArchiveClassesAtExit=FILE"
                        + " -jar deja.jar cds-training`, which loads the classes listed in the jar"
                        + " (dev/deja/cli/startup-classes.txt; the training run writes a fresh list to "
                        + dir.resolve("startup-classes.txt") + "); \"C1 only\" is -XX:TieredStopAtLevel=1; on Java "
                        + AOT_CACHE_JAVA + " and later, \"AOT cache\" is -XX:AOTCache of a second training run on a whole"
                        + " backlog (-XX:AOTCacheOutput: its classes, linked, and its methods' profiles); variants of "
                        + VARIANTS_ENV + " are named by their flags."
                        + (options.quick() ? " Quick mode runs the image's archive only." : ""))
                .note("Each process is started cold, in a JVM of its own (" + String.join(" ", commonFlags).replaceAll(
                        "-Djava.io.tmpdir=\\S+", "").trim() + "), on a backlog of " + backlog.size()
                        + " events written while nothing reads it: Deja as users run it, `java -jar " + DEJA_JAR
                        + " run --config FILE` with the bench's Deja settings, the pass-through (scenario 1's topology)"
                        + " with the same Streams settings, from the devstack's class path.")
                .note("The backlog is scenario 2's sequence of contents (wrapped around when longer), each event a new"
                        + " upload. Deja restarts on the local state the bench's Deja left (scenario 2's table, or the"
                        + " training run's when 2 did not run), as after an outage. An unmeasured training run of Deja"
                        + " first answers each distinct content of the backlog once (invoking any the table lacks) and"
                        + " writes its AppCDS archive at exit; quick mode skips it after scenario 2.")
                .note("Per round (" + rounds + "): the pass-through, then each Deja variant, each on a fresh backlog"
                        + " (new event ids). Figures are medians over the rounds; a ratio is the median of the rounds'"
                        + " ratios to that round's pass-through. A stopped process's group members are removed,"
                        + " so every start joins an empty group, as after an outage (not a quick rejoin by"
                        + " static membership). Logs: " + dir + ".")
                .build();
    }

    /**
     * Writes {@code workload} as a backlog for {@code variant}, starts the process, reads until every
     * event has an output, stops the process and removes its group members.
     */
    private Launch launch(Admin admin, Variant variant, Workload workload, String tag, Path properties)
            throws InterruptedException {
        String input = variant.deja() ? config.getString(DejaConfig.INPUT_TOPIC_CONFIG) : PT_IN;
        String output = variant.deja() ? config.getString(DejaConfig.OUTPUT_TOPIC_CONFIG) : PT_OUT;
        EventFeed.Run run = new EventFeed.Run("cold-" + tag + "-" + variant.key(), HIT_SALT, workload);
        feed.sendAsync(input, run, 0).join();
        Path log = dir.resolve(tag + "-" + variant.key() + ".log");
        String what = "[8/8] cold start (" + tag + "): " + variant.label();
        try (OutputWatcher watcher = new OutputWatcher(stack.kafka().bootstrapServers(), output, run)) {
            List<String> flags = new ArrayList<>(commonFlags);
            flags.addAll(variant.flags());
            ChildJvm child = ChildJvm.start(flags, command(variant, properties), log);
            Duration cpu;
            boolean endedByItself;
            int exit;
            try {
                watcher.await(Duration.ofSeconds(120 + run.size() / 100), n -> progress.accept(what + ": "
                        + n + "/" + run.size() + " outputs"), () -> !child.alive());
                endedByItself = !child.alive();
                watcher.drain(Duration.ofMillis(300));
                cpu = child.cpu();
            } finally {
                exit = child.stop(STOP_GRACE);
                forgetMembers(admin, variant);
            }
            if (watcher.outputs() < run.size()) {
                String why = endedByItself ? "the process ended by itself, exit code " + exit : "not all before the timeout";
                String message = variant.label() + " gave " + watcher.outputs() + " of " + run.size() + " outputs ("
                        + why + "); its log: " + log;
                if (endedByItself || watcher.outputs() == 0) {
                    throw new IllegalStateException(message);
                }
                LOG.warn(message);
            }
            long launched = child.launchedNanos();
            long first = watcher.firstArrivalNanos();
            long last = watcher.lastArrivalNanos();
            long notCached = watcher.outcomes().entrySet().stream().filter(e -> !e.getKey().equals(CACHED))
                    .mapToLong(Map.Entry::getValue).sum();
            Launch launch = new Launch(run.size(), watcher.outputs(), watcher.duplicates(), variant.deja() ? notCached : 0,
                    (first - launched) / 1e6, last > first ? watcher.outputs() * 1e9 / (last - first) : 0,
                    watcher.outputs() * 1e9 / (last - launched), cpu.toMillis() / 1000.0);
            progress.accept(String.format(Locale.ROOT, "%s: first output %.0f ms after the launch, %d/%d outputs,"
                            + " drain %.0f events/s, overall %.0f events/s, %.1f s of CPU", what, launch.startupMs(),
                    launch.outputs(), run.size(), launch.drainRate(), launch.overallRate(), launch.cpuSeconds()));
            return launch;
        }
    }

    /**
     * Builds the archive as the image does, with no broker: {@code java -XX:ArchiveClassesAtExit=FILE
     * -jar deja.jar cds-training}. Returns whether it wrote one.
     */
    private boolean imageArchive(Path file) throws IOException, InterruptedException {
        progress.accept("[8/8] cold start: building the image's AppCDS archive (deja cds-training, no broker)");
        List<String> flags = new ArrayList<>(commonFlags);
        flags.addAll(List.of("-XX:ArchiveClassesAtExit=" + file, "-Xlog:cds=off"));
        ChildJvm child = ChildJvm.start(flags, List.of("-jar", dejaJar.toString(), "cds-training"),
                dir.resolve("cds-training.log"));
        if (!child.waitFor(Duration.ofMinutes(2))) {
            child.stop(Duration.ofSeconds(5));
        }
        return Files.isRegularFile(file) && Files.size(file) > 0;
    }

    /**
     * Writes the classes of {@code -XX:DumpLoadedClassList} as {@code deja cds-training} reads them
     * (streams-app/src/main/resources/dev/deja/cli/startup-classes.txt): one binary name a line.
     */
    private static void writeClassList(Path loaded, Path list) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("# The classes a start of `deja run` loaded, with its first outputs: `deja bench`, scenario 8's training");
        lines.add("# run (-XX:DumpLoadedClassList). `deja cds-training` loads them for the image's AppCDS archive.");
        try (var names = Files.lines(loaded)) {
            names.filter(line -> !line.isBlank() && !line.startsWith("@") && !line.startsWith("#"))
                    .map(line -> line.split("\\s+", 2)[0]).distinct().forEach(lines::add);
        }
        Files.write(list, lines);
    }

    private List<String> command(Variant variant, Path properties) {
        if (variant.deja()) {
            return List.of("-jar", dejaJar.toString(), "run", "--config", properties.toString());
        }
        return List.of("-cp", System.getProperty("java.class.path"), PassThrough.class.getName(), properties.toString(),
                PT_IN, PT_OUT, PT_APPLICATION_ID);
    }

    /**
     * Removes every member of the variant's consumer groups: a stopped instance with static
     * membership stays a member until its session times out, and its next start would rejoin at
     * once where another would wait; removed, every start joins an empty group.
     */
    private void forgetMembers(Admin admin, Variant variant) throws InterruptedException {
        List<String> groups = variant.deja()
                ? List.of(config.getString(DejaConfig.APPLICATION_ID_CONFIG), DejaTopology.invokerApplicationId(config))
                : List.of(PT_APPLICATION_ID);
        for (String group : groups) {
            try {
                admin.removeMembersFromConsumerGroup(group, new RemoveMembersFromConsumerGroupOptions())
                        .all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                // No such group yet, or no members: nothing to remove.
                LOG.debug("no members removed from {}: {}", group, e.getMessage());
            }
        }
    }

    /** The variants {@link #VARIANTS_ENV} gives, none when it is not set. */
    static List<Variant> extraVariants() {
        return extraVariants(System.getenv().getOrDefault(VARIANTS_ENV, ""));
    }

    /**
     * The variants of {@link #VARIANTS_ENV}: {@code key=FLAGS;key=FLAGS}.
     *
     * @throws IllegalArgumentException naming the variable and the entry that is not of that form
     */
    static List<Variant> extraVariants(String spec) {
        List<Variant> variants = new ArrayList<>();
        for (String entry : spec.split(";")) {
            if (entry.isBlank()) {
                continue;
            }
            int equals = entry.indexOf('=');
            String key = equals < 0 ? "" : entry.substring(0, equals).strip();
            String flags = equals < 0 ? "" : entry.substring(equals + 1).strip();
            if (!key.matches("[a-z0-9_]+") || flags.isEmpty()) {
                throw new IllegalArgumentException(VARIANTS_ENV + ": \"" + entry.strip()
                        + "\" is not key=FLAGS (a key of a-z, 0-9 and _, then the JVM flags, space-separated)");
            }
            // A prefix of their own: a key never names a built-in variant's figures.
            String figureKey = "deja_x_" + key;
            if (variants.stream().anyMatch(variant -> variant.key().equals(figureKey))) {
                throw new IllegalArgumentException(VARIANTS_ENV + ": the key \"" + key + "\" is given twice");
            }
            variants.add(new Variant(figureKey, "Deja, " + flags, true, List.of(flags.split("\\s+"))));
        }
        return variants;
    }

    private static double median(List<Launch> runs, ToDoubleFunction<Launch> figure) {
        return figure.applyAsDouble(Bench.median(runs, figure));
    }

    /** The median over rounds of (this variant's figure / the pass-through's in the same round). */
    private static double medianRatio(List<Launch> runs, List<Launch> ceiling, ToDoubleFunction<Launch> figure) {
        List<Double> ratios = new ArrayList<>();
        for (int round = 0; round < runs.size(); round++) {
            double base = figure.applyAsDouble(ceiling.get(round));
            ratios.add(base > 0 ? figure.applyAsDouble(runs.get(round)) / base : Double.NaN);
        }
        return Bench.median(ratios, Double::doubleValue);
    }
}
