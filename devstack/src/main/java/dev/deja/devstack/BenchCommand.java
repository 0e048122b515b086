package dev.deja.devstack;

import dev.deja.bench.Bench;
import dev.deja.bench.BenchOptions;
import dev.deja.bench.BenchReport;
import dev.deja.cli.Output;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", description = {
    "Start the embedded stack (Kafka, s3proxy, a fake OpenWhisk, pouchdb-server when Node.js is there) and",
    "measure, on the same input: (1) a Kafka Streams pass-through, (2) Deja's cache-hit path, (3) Deja under a",
    "Zipf mixed load, (4) the naive CouchDB-lookup baseline, (5) a large dedup table, (6) MD5 hashing from S3,",
    "(7) lifecycle (graceful stop, join, kill), (8) cold start: fresh processes of Deja (streams-app/target/deja.jar)",
    "and of a pass-through drain the same backlog of cache hits.",
    "Prints a table and writes report.md, results.json and bench.png to the results directory."})
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--quick", description = "Small sizes: finishes in under two minutes.")
    boolean quick;

    @Option(names = "--out", description = "Results directory (default: target/bench/<timestamp>).")
    Path out;

    @Option(names = "--events", description = "Events of the mixed load and the naive baseline (default: 20000, quick 1000).")
    Integer events;

    @Option(names = "--round-events", description = "Events per throughput run of the pass-through and the cache hit"
            + " (default: 100000, quick 1000).")
    Integer roundEvents;

    @Option(names = "--contents", description = "Distinct contents of the Zipf distribution (default: 2000, quick 200).")
    Integer contents;

    @Option(names = "--action-latency-ms", description = "Latency of the fake action (default: 50).")
    Long actionLatencyMs;

    @Option(names = "--in-flight", description = "deja.invoker.max.in.flight, and the naive baseline's concurrency (default: 32).")
    Integer inFlight;

    @Option(names = "--table-entries", description = "Entries of the table in scenario 5 (default: 1000000, quick 20000).")
    Integer tableEntries;

    @Option(names = "--paced-rate", description = "Events per second of the latency runs (default: 500).")
    Integer pacedRate;

    @Option(names = "--scenarios", split = ",", paramLabel = "N",
            description = "Run only these scenarios, e.g. --scenarios 1,2 or 2,8 (default: all eight).")
    Set<Integer> scenarios;

    @Option(names = "--warm-up-seconds", description = "At most this long, unmeasured passes of (1) and (2) repeat"
            + " until the JIT compiler is quiet, and then as long for (3)'s, after its first two (default: 180, quick 0: one pass).")
    Integer warmUpSeconds;

    @Option(names = "--rounds", description = "Measured rounds of (1), (2) and the invoker at saturation; the median is reported (default: 5, quick 3).")
    Integer rounds;

    @Option(names = "--cold-events", description = "Events of the backlog each fresh process drains in scenario 8"
            + " (default: 100000, quick 2000).")
    Integer coldEvents;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one Deja or Kafka Streams setting of the bench's Deja (Streams ones apply to the pass-through too).")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = "--no-couch", description = "Skip the naive baseline (no pouchdb-server).")
    boolean noCouch;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        System.setProperty("java.awt.headless", "true");
        PrintWriter out = spec.commandLine().getOut();
        Path dir = this.out != null ? this.out
                : Path.of("target", "bench", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        BenchOptions base = quick ? BenchOptions.quick(dir) : BenchOptions.full(dir);
        BenchOptions options = new BenchOptions(base.quick(), dir,
                events != null ? events : base.events(),
                roundEvents != null ? roundEvents : base.roundEvents(),
                contents != null ? contents : base.contents(),
                base.zipfExponent(),
                actionLatencyMs != null ? Duration.ofMillis(actionLatencyMs) : base.actionLatency(),
                inFlight != null ? inFlight : base.inFlight(),
                base.partitions(),
                pacedRate != null ? pacedRate : base.pacedRate(),
                base.pacedEvents(),
                base.saturationContents(),
                tableEntries != null ? tableEntries : base.tableEntries(),
                base.hashObjects(),
                base.hashObjectBytes(),
                !noCouch && base.couch(),
                base.seed(),
                scenarios != null ? scenarios : base.scenarios(),
                settings,
                rounds != null ? rounds : base.rounds(),
                warmUpSeconds != null ? Duration.ofSeconds(warmUpSeconds) : base.warmUp(),
                coldEvents != null ? coldEvents : base.coldEvents());
        BenchReport report = Bench.run(options, Output.lines(out));
        report.terminalLines().forEach(out::println);
        out.println("results: " + dir.toAbsolutePath().resolve(BenchReport.MARKDOWN) + ", "
                + dir.toAbsolutePath().resolve(BenchReport.CHART) + ", " + dir.toAbsolutePath().resolve(BenchReport.JSON));
        out.flush();
        return 0;
    }
}
