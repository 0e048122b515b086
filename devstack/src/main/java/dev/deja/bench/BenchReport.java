package dev.deja.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deja.serde.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The bench's results: every figure with its ratio to scenario 1 (the pass-through ceiling) and
 * to scenario 4 (the naive baseline; scenario 8 carries its own ratios to a fresh pass-through), the targets met or not, as a terminal table, Markdown
 * ({@code report.md}), JSON ({@code results.json}) and a chart ({@code bench.png}).
 */
public record BenchReport(BenchOptions options, Map<String, String> settings, List<ScenarioResult> scenarios,
                          Instant started, Instant finished) {

    public static final String MARKDOWN = "report.md";
    public static final String JSON = "results.json";
    public static final String CHART = "bench.png";

    /**
     * One target of the performance issue.
     *
     * @param name     what is targeted
     * @param goal     the threshold, in words
     * @param measured what was measured, in words
     * @param met      whether the measurement meets the goal (false when it could not be measured)
     */
    /** One target of the performance issue; {@code ran} is false when its scenario was not selected. */
    public record Target(String name, String goal, String measured, boolean met, boolean ran) {

        Target(String name, String goal, String measured, boolean met, double... figures) {
            this(name, goal, measured, met, java.util.Arrays.stream(figures).noneMatch(Double::isNaN));
        }

        public String verdict() {
            return !ran ? "not run" : met ? "met" : "NOT met";
        }
    }

    public Optional<ScenarioResult> scenario(int number) {
        return scenarios.stream().filter(s -> s.number() == number).findFirst();
    }

    private double value(int scenario, String key) {
        return scenario(scenario).map(s -> s.value(key)).orElse(Double.NaN);
    }

    public List<Target> targets() {
        List<Target> targets = new ArrayList<>();
        double hit = value(2, ScenarioResult.Figure.THROUGHPUT);
        double ceiling = value(1, ScenarioResult.Figure.THROUGHPUT);
        double share = hit / ceiling;
        targets.add(new Target("cache-hit throughput vs pass-through", ">= 80% of scenario 1",
                String.format(Locale.ROOT, "%.0f%% (%.0f vs %.0f events/s)", share * 100, hit, ceiling),
                share >= 0.80, hit, ceiling));
        double invocations = value(3, ScenarioResult.Figure.INVOCATIONS);
        double unique = value(3, ScenarioResult.Figure.UNIQUE);
        double mixed = value(3, ScenarioResult.Figure.THROUGHPUT);
        // The mixed load cannot go faster than the pass-through, nor than the invoker makes its unique calls.
        double ideal = Math.min(Double.isNaN(ceiling) ? Double.POSITIVE_INFINITY : ceiling,
                options.invokerCeiling() * value(3, ScenarioResult.Figure.EVENTS) / unique);
        targets.add(new Target("mixed-load throughput vs its ideal", ">= 90% of min(pass-through, invoker ceiling"
                + " x events / unique contents)", String.format(Locale.ROOT, "%.0f%% (%.0f vs %.0f events/s)",
                mixed / ideal * 100, mixed, ideal), mixed >= 0.9 * ideal, mixed, unique));
        double inexact = value(3, "mixed_rounds_inexact");
        targets.add(new Target("invocations in the mixed load", "exactly the unique contents, every round",
                String.format(Locale.ROOT, "%.0f invocations for %.0f unique contents%s", invocations, unique,
                        inexact > 0 ? String.format(Locale.ROOT, "; %.0f round(s) not exact", inexact) : ""),
                !Double.isNaN(invocations) && invocations == unique && !(inexact > 0), invocations, unique));
        double p99 = value(2, ScenarioResult.Figure.P99);
        targets.add(new Target("cache-hit end-to-end p99 (" + settings.getOrDefault("processing.guarantee", "?") + ")",
                "< 300 ms", String.format(Locale.ROOT, "%.0f ms at %.0f events/s", p99, value(2, "paced_rate")),
                "exactly_once_v2".equals(settings.get("processing.guarantee")) && p99 < 300, p99));
        double rate = value(3, ScenarioResult.Figure.INVOKER_RATE);
        double invokerShare = rate / options.invokerCeiling();
        targets.add(new Target("invoker rate at saturation", String.format(Locale.ROOT,
                ">= 90%% of %d in flight / %d ms = %.0f calls/s", options.inFlight(), options.actionLatency().toMillis(),
                0.9 * options.invokerCeiling()),
                String.format(Locale.ROOT, "%.0f calls/s (%.0f%%)", rate, invokerShare * 100), invokerShare >= 0.90, rate));
        double coldDrain = value(8, "cold_deja_drain_ratio");
        double coldOverall = value(8, "cold_deja_overall_ratio");
        targets.add(new Target("cold start: a fresh Deja drains " + String.format(Locale.ROOT, "%,d", options.coldEvents())
                + " cache hits", ">= 0.6x a fresh pass-through's drain rate",
                String.format(Locale.ROOT, "%.2fx (%.0f vs %.0f events/s); launch to last output %.2fx", coldDrain,
                        value(8, "cold_deja_drain_rate"), value(8, "cold_passthrough_drain_rate"), coldOverall),
                coldDrain >= 0.60, coldDrain));
        return targets;
    }

    /** A ratio of this figure to the same figure of scenario {@code reference}, or "" when there is none. */
    String ratio(ScenarioResult scenario, ScenarioResult.Figure figure, int reference) {
        boolean comparable = ScenarioResult.COMPARABLE.contains(figure.key())
                || figure.key().startsWith(RoundProfile.KEY_PREFIX);
        if (!comparable || scenario.number() == reference) {
            return "";
        }
        double base = value(reference, figure.key());
        if (Double.isNaN(base) || base == 0) {
            return "";
        }
        return String.format(Locale.ROOT, "%.2fx", figure.value() / base);
    }

    static String number(double value) {
        if (Double.isNaN(value)) {
            return "n/a";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return String.format(Locale.ROOT, "%,d", (long) value);
        }
        return Math.abs(value) >= 100 ? String.format(Locale.ROOT, "%,.0f", value)
                : String.format(Locale.ROOT, "%.2f", value);
    }

    /** The terminal table. */
    public List<String> terminalLines() {
        List<String> lines = new ArrayList<>();
        String format = "%-3s %-62s %14s %-14s %8s %8s";
        lines.add("");
        lines.add(String.format(format, "#", "figure", "value", "unit", "vs (1)", "vs (4)"));
        lines.add("-".repeat(114));
        for (ScenarioResult s : scenarios) {
            lines.add(String.format("%-3s %s", s.number(), s.title()));
            if (s.skipped() != null) {
                lines.add(String.format("%-3s   %s", "", s.skipped()));
                continue;
            }
            for (ScenarioResult.Figure f : s.figures()) {
                lines.add(String.format(format, "", "  " + f.label(), number(f.value()), f.unit(),
                        ratio(s, f, 1), ratio(s, f, 4)));
            }
        }
        lines.add("");
        lines.add("Targets");
        for (Target t : targets()) {
            lines.add(String.format("  [%s] %-45s goal %-40s measured %s", t.verdict(), t.name(),
                    t.goal(), t.ran() ? t.measured() : "-"));
        }
        lines.add("");
        return lines;
    }

    public String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Deja benchmark").append(options.quick() ? " (quick mode)" : "").append("\n\n");
        Runtime runtime = Runtime.getRuntime();
        md.append("Run ").append(started).append(", took ")
                .append(Duration.between(started, finished).toSeconds()).append(" s on ")
                .append(runtime.availableProcessors()).append(" CPU cores, Java ")
                .append(System.getProperty("java.version")).append(", max heap ")
                .append(runtime.maxMemory() >> 20).append(" MiB, ")
                .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.arch"))
                .append(". Everything (broker, s3proxy, action host, pouchdb-server, the apps) runs on this one"
                        + " machine, in this one JVM except pouchdb-server, the killed Deja of (7) and the fresh processes of (8).\n\n");
        md.append("## Setup\n\n");
        md.append("| setting | value |\n|---|---|\n");
        md.append("| input of (1) and (2) | ").append(options.roundEvents()).append(" events per run, Zipf s=")
                .append(options.zipfExponent()).append(" over ").append(options.contents()).append(" contents |\n");
        md.append("| input of (3) and (4) | ").append(options.events()).append(" events, Zipf s=")
                .append(options.zipfExponent()).append(" over ").append(options.contents()).append(" contents |\n");
        md.append("| fake action latency | ").append(options.actionLatency().toMillis()).append(" ms |\n");
        md.append("| latency runs | up to ").append(options.pacedEvents()).append(" events at the lower of ")
                .append(options.pacedRate()).append(" events/s and half the cache-hit throughput |\n");
        md.append("| invoker saturation run | ").append(options.saturationContents()).append(" distinct new contents |\n");
        md.append("| table entries (scenario 5) | ").append(options.tableEntries()).append(" |\n");
        md.append("| cold-start backlog (scenario 8) | ").append(options.coldEvents())
                .append(" events per fresh process, Zipf s=").append(options.zipfExponent()).append(" over ")
                .append(options.contents()).append(" contents, all in the table |\n");
        md.append("| hashed objects (scenario 6) | ").append(options.hashObjects()).append(" x ")
                .append(options.hashObjectBytes() >> 20).append(" MiB |\n");
        settings.forEach((key, value) -> md.append("| `").append(key).append("` | `")
                .append(value.isEmpty() ? "(empty)" : value).append("` |\n"));
        md.append("\nThroughput = events / (last output read - first event sent), every output read by a"
                + " `read_committed` consumer. End-to-end latency = output read - event sent. \"All sent at once\""
                + " latencies include queueing behind the rest of the run; the paced latency runs measure the"
                + " latency at a steady rate.\n\n");
        md.append("## Results\n\n");
        md.append("| # | figure | value | unit | vs (1) pass-through | vs (4) naive |\n|---|---|---:|---|---:|---:|\n");
        for (ScenarioResult s : scenarios) {
            md.append("| **").append(s.number()).append("** | **").append(s.title()).append("** | | | | |\n");
            if (s.skipped() != null) {
                md.append("| | ").append(s.skipped()).append(" | | | | |\n");
                continue;
            }
            for (ScenarioResult.Figure f : s.figures()) {
                md.append("| | ").append(f.label()).append(" | ").append(number(f.value())).append(" | ")
                        .append(f.unit()).append(" | ").append(ratio(s, f, 1)).append(" | ")
                        .append(ratio(s, f, 4)).append(" |\n");
            }
        }
        md.append("\n## Targets\n\n| target | goal | measured | |\n|---|---|---|---|\n");
        for (Target t : targets()) {
            md.append("| ").append(t.name()).append(" | ").append(t.goal()).append(" | ").append(t.measured())
                    .append(" | ").append(!t.ran() ? "not run" : t.met() ? "met" : "**not met**").append(" |\n");
        }
        md.append("\n## Notes\n\n");
        for (ScenarioResult s : scenarios) {
            for (String note : s.notes()) {
                md.append("- (").append(s.number()).append(") ").append(note).append('\n');
            }
        }
        md.append("\n![throughput and latency by scenario](").append(CHART).append(")\n");
        return md.toString();
    }

    public String json() {
        ObjectNode root = Json.object();
        root.put("quick", options.quick());
        root.put("started", started.toString());
        root.put("finished", finished.toString());
        ObjectNode opts = root.putObject("options");
        opts.put("events", options.events());
        opts.put("round_events", options.roundEvents());
        opts.put("contents", options.contents());
        opts.put("zipfExponent", options.zipfExponent());
        opts.put("actionLatencyMs", options.actionLatency().toMillis());
        opts.put("inFlight", options.inFlight());
        opts.put("partitions", options.partitions());
        opts.put("pacedRate", options.pacedRate());
        opts.put("pacedEvents", options.pacedEvents());
        opts.put("saturationContents", options.saturationContents());
        opts.put("tableEntries", options.tableEntries());
        opts.put("hashObjects", options.hashObjects());
        opts.put("hashObjectBytes", options.hashObjectBytes());
        opts.put("coldEvents", options.coldEvents());
        ObjectNode shown = root.putObject("settings");
        settings.forEach(shown::put);
        ArrayNode list = root.putArray("scenarios");
        for (ScenarioResult s : scenarios) {
            ObjectNode node = list.addObject();
            node.put("number", s.number());
            node.put("title", s.title());
            if (s.skipped() != null) {
                node.put("skipped", s.skipped());
            }
            ObjectNode figures = node.putObject("figures");
            s.figures().forEach(f -> figures.put(f.key(), f.value()));
            s.notes().forEach(node.putArray("notes")::add);
        }
        ArrayNode targets = root.putArray("targets");
        for (Target t : targets()) {
            ObjectNode node = targets.addObject();
            node.put("name", t.name());
            node.put("goal", t.goal());
            node.put("measured", t.measured());
            node.put("met", t.met());
            node.put("ran", t.ran());
        }
        return Json.write(root);
    }

    /** Writes {@value #MARKDOWN}, {@value #JSON} and {@value #CHART} to {@code dir}. */
    public void write(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(MARKDOWN), markdown());
            Files.writeString(dir.resolve(JSON), json());
            BenchChart.write(this, dir.resolve(CHART));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
