package dev.deja.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * What {@code deja bench} runs and with which settings. Every figure of the report is measured
 * with these values; the report repeats them.
 *
 * @param quick              the small sizes of {@link #quick(Path)} (for CI and the test)
 * @param outDir             where the report, the chart and {@code results.json} go
 * @param events             events per run of scenarios 3 and 4 (the same sequence)
 * @param roundEvents        events per throughput run of scenarios 1 and 2 (another sequence over the same contents):
 *                           enough that a run lasts many commit intervals, whose wait at the end would otherwise weigh
 * @param contents           distinct contents the Zipf sequence draws from
 * @param zipfExponent       skew of the sequence (1.0: the classic Zipf law)
 * @param actionLatency      how long the fake action sleeps per call
 * @param inFlight           {@code deja.invoker.max.in.flight}, and the naive baseline's concurrency
 * @param partitions         partitions of every topic (input, output, Deja's own)
 * @param pacedRate          events per second of the latency runs of scenarios 1 and 2
 * @param pacedEvents        events per latency run
 * @param saturationContents distinct new contents sent at once to measure the invoker's rate
 * @param tableEntries       entries of the table in scenario 5
 * @param hashObjects        objects streamed from s3proxy in scenario 6
 * @param hashObjectBytes    size of each of them
 * @param couch              run the naive baseline (needs Node.js for pouchdb-server)
 * @param seed               seed of the Zipf sequence and of the object bytes
 * @param scenarios          which of the scenarios 1 to 8 run; the others are reported as skipped
 * @param settings           Deja settings over the bench's own (Kafka Streams ones apply to the pass-through too)
 * @param rounds             measured runs of (1) and (2), alternating, and of the invoker at saturation; the median is reported
 * @param warmUp             the most time unmeasured passes of (1) and (2) may take while the JIT compiler is still busy
 * @param coldEvents         events of the backlog each fresh process of scenario 8 drains
 */
public record BenchOptions(
        boolean quick,
        Path outDir,
        int events,
        int roundEvents,
        int contents,
        double zipfExponent,
        Duration actionLatency,
        int inFlight,
        int partitions,
        int pacedRate,
        int pacedEvents,
        int saturationContents,
        int tableEntries,
        int hashObjects,
        int hashObjectBytes,
        boolean couch,
        long seed,
        Set<Integer> scenarios,
        Map<String, String> settings,
        int rounds,
        Duration warmUp,
        int coldEvents) {

    /** Every scenario, 1 to 8. */
    public static final Set<Integer> ALL_SCENARIOS = Set.of(1, 2, 3, 4, 5, 6, 7, 8);

    public BenchOptions {
        if (events < 1 || roundEvents < 1 || contents < 1 || inFlight < 1 || partitions < 1 || pacedRate < 1 || pacedEvents < 1
                || saturationContents < 1 || tableEntries < 1 || hashObjects < 1 || hashObjectBytes < 1 || rounds < 1
                || coldEvents < 1) {
            throw new IllegalArgumentException("every bench size must be at least 1");
        }
        if (actionLatency.isNegative() || warmUp.isNegative()) {
            throw new IllegalArgumentException("the action latency and the warm-up cannot be negative");
        }
        if (scenarios.isEmpty() || !ALL_SCENARIOS.containsAll(scenarios)) {
            throw new IllegalArgumentException("scenarios are numbered 1 to 8, got " + scenarios);
        }
        scenarios = Set.copyOf(scenarios);
        settings = Map.copyOf(settings);
    }

    /** The full bench: 1M table entries; takes several minutes. */
    public static BenchOptions full(Path outDir) {
        return new BenchOptions(false, outDir, 20_000, 100_000, 2_000, 1.0, Duration.ofMillis(50), 32, 4, 500, 5_000,
                2_000, 1_000_000, 4, 64 << 20, true, 42, ALL_SCENARIOS, Map.of(), 5, Duration.ofMinutes(3), 100_000);
    }

    /** Small sizes: finishes in under two minutes. */
    public static BenchOptions quick(Path outDir) {
        return new BenchOptions(true, outDir, 1_000, 1_000, 200, 1.0, Duration.ofMillis(50), 32, 4, 500, 1_000,
                400, 20_000, 2, 8 << 20, true, 42, ALL_SCENARIOS, Map.of(), 3, Duration.ZERO, 2_000);
    }

    public BenchOptions withOutDir(Path dir) {
        return new BenchOptions(quick, dir, events, roundEvents, contents, zipfExponent, actionLatency, inFlight, partitions,
                pacedRate, pacedEvents, saturationContents, tableEntries, hashObjects, hashObjectBytes, couch, seed, scenarios, settings, rounds, warmUp,
                coldEvents);
    }

    public boolean runs(int scenario) {
        return scenarios.contains(scenario);
    }

    /** The rate the invoker should reach: in-flight limit / action latency, in calls per second. */
    public double invokerCeiling() {
        return actionLatency.isZero() ? Double.POSITIVE_INFINITY : inFlight * 1000.0 / actionLatency.toMillis();
    }
}
