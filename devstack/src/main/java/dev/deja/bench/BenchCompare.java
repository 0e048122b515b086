package dev.deja.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deja.serde.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Figures of two sets of bench runs side by side, run by run: the runs of a base and of a change, made alternately
 * in the same hour ({@code scripts/bench-ab}), since on a shared machine one run's ratio measures the hour as much as
 * the code. Each row is a figure ({@code <scenario>.<key>} of {@code results.json}), each run's value, the median of
 * each side and the change's median over the base's.
 */
public final class BenchCompare {

    /** The figures shown unless asked otherwise: throughputs, the cache hit's ratio, CPU per event, latencies, cold start. */
    public static final String HEADLINE = "^(1|2)\\.(throughput|p99|profile\\.cpu|profile\\.cpu\\.(Deja: stream threads"
            + "|pass-through: stream thread|JVM: .*))$|^2/1\\.|^3\\.(throughput|invocations.*)$|^8\\.cold_.*(drain_r|cpu_s).*";

    private BenchCompare() {
    }

    /** One bench run's figures by {@code <scenario>.<key>}, with {@code 2/1.throughput} when both ran. */
    static Map<String, Double> figures(Path dir) throws IOException {
        Path file = Files.isDirectory(dir) ? dir.resolve(BenchReport.JSON) : dir;
        if (!Files.isRegularFile(file)) {
            throw new IOException("no bench results at " + file + " (a directory `deja bench --out` wrote, or its "
                    + BenchReport.JSON + ")");
        }
        JsonNode root = Json.MAPPER.readTree(file.toFile());
        Map<String, Double> figures = new LinkedHashMap<>();
        for (JsonNode scenario : root.path("scenarios")) {
            int number = scenario.path("number").asInt();
            for (Iterator<Map.Entry<String, JsonNode>> it = scenario.path("figures").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> figure = it.next();
                figures.put(number + "." + figure.getKey(), figure.getValue().asDouble(Double.NaN));
            }
        }
        Double passThrough = figures.get("1.throughput");
        Double cacheHit = figures.get("2.throughput");
        if (passThrough != null && cacheHit != null && passThrough > 0) {
            figures.put("2/1.throughput", cacheHit / passThrough);
        }
        if (figures.containsKey("1.profile.cpu") && figures.containsKey("2.profile.cpu")) {
            figures.put("2/1.profile.cpu", figures.get("2.profile.cpu") / figures.get("1.profile.cpu"));
        }
        return figures;
    }

    /**
     * A Markdown table: a row per figure matching {@code pattern} that any run has, in the order the first run that
     * has it lists it; a run lacking a figure shows "-".
     */
    public static List<String> table(List<Path> base, List<Path> change, Pattern pattern) throws IOException {
        List<Map<String, Double>> bases = new ArrayList<>();
        List<Map<String, Double>> changes = new ArrayList<>();
        for (Path dir : base) {
            bases.add(figures(dir));
        }
        for (Path dir : change) {
            changes.add(figures(dir));
        }
        List<String> keys = new ArrayList<>();
        for (List<Map<String, Double>> side : List.of(bases, changes)) {
            for (Map<String, Double> run : side) {
                run.keySet().stream().filter(key -> pattern.matcher(key).find() && !keys.contains(key)).forEach(keys::add);
            }
        }
        List<String> lines = new ArrayList<>();
        StringBuilder header = new StringBuilder("| figure |");
        StringBuilder rule = new StringBuilder("|---|");
        for (int i = 1; i <= base.size(); i++) {
            header.append(" base ").append(i).append(" |");
            rule.append("---:|");
        }
        for (int i = 1; i <= change.size(); i++) {
            header.append(" change ").append(i).append(" |");
            rule.append("---:|");
        }
        lines.add(header.append(" base, median | change, median | change / base |").toString());
        lines.add(rule.append("---:|---:|---:|").toString());
        for (String key : keys) {
            StringBuilder row = new StringBuilder("| ").append(key).append(" |");
            List<Double> baseValues = values(bases, key);
            List<Double> changeValues = values(changes, key);
            baseValues.forEach(v -> row.append(' ').append(format(v)).append(" |"));
            changeValues.forEach(v -> row.append(' ').append(format(v)).append(" |"));
            double baseMedian = median(baseValues);
            double changeMedian = median(changeValues);
            row.append(' ').append(format(baseMedian)).append(" | ").append(format(changeMedian)).append(" | ")
                    .append(baseMedian > 0 && !Double.isNaN(changeMedian)
                            ? String.format(Locale.ROOT, "%.3f", changeMedian / baseMedian) : "-")
                    .append(" |");
            lines.add(row.toString());
        }
        return lines;
    }

    private static List<Double> values(List<Map<String, Double>> runs, String key) {
        List<Double> values = new ArrayList<>();
        for (Map<String, Double> run : runs) {
            values.add(run.getOrDefault(key, Double.NaN));
        }
        return values;
    }

    /** The median of the values a run has (NaN when none has one); of an even count, the mean of the middle two. */
    static double median(List<Double> values) {
        List<Double> present = values.stream().filter(v -> !Double.isNaN(v)).sorted().toList();
        if (present.isEmpty()) {
            return Double.NaN;
        }
        int n = present.size();
        return n % 2 == 1 ? present.get(n / 2) : (present.get(n / 2 - 1) + present.get(n / 2)) / 2;
    }

    private static String format(double value) {
        if (Double.isNaN(value)) {
            return "-";
        }
        if (Math.abs(value) >= 100) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        return String.format(Locale.ROOT, Math.abs(value) >= 10 ? "%.1f" : "%.3f", value);
    }
}
