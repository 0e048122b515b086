package dev.deja.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * What one scenario measured: named figures, notes, or why it was skipped.
 *
 * @param number  1 to 8, as in the report
 * @param title   e.g. "Deja, cache-hit path"
 * @param figures in display order
 * @param notes   how it was measured, anything a reader must know
 * @param skipped why it did not run; null when it ran
 */
public record ScenarioResult(int number, String title, List<Figure> figures, List<String> notes, String skipped) {

    /** Figure keys that get a ratio to scenarios 1 and 4. */
    public static final List<String> COMPARABLE = List.of(
            Figure.THROUGHPUT, Figure.P50, Figure.P99, Figure.MAX, Figure.SAT_P50, Figure.SAT_P99, Figure.INVOCATIONS);

    /**
     * One measured value.
     *
     * @param key   stable name (results.json, ratios)
     * @param label what a reader sees
     * @param value the number
     * @param unit  e.g. "events/s", "ms"
     */
    public record Figure(String key, String label, double value, String unit) {
        public static final String EVENTS = "events";
        public static final String OUTPUTS = "outputs";
        public static final String THROUGHPUT = "throughput";
        public static final String P50 = "p50";
        public static final String P99 = "p99";
        public static final String MAX = "max";
        public static final String SAT_P50 = "saturation_p50";
        public static final String SAT_P99 = "saturation_p99";
        public static final String INVOCATIONS = "invocations";
        public static final String UNIQUE = "unique_contents";
        public static final String IN_FLIGHT = "in_flight_max";
        public static final String INVOKER_RATE = "invoker_rate";
    }

    public static ScenarioResult skipped(int number, String title, String reason) {
        return new ScenarioResult(number, title, List.of(), List.of(), reason);
    }

    public Optional<Figure> figure(String key) {
        return figures.stream().filter(f -> f.key().equals(key)).findFirst();
    }

    public double value(String key) {
        return figure(key).map(Figure::value).orElse(Double.NaN);
    }

    /** Collects figures and notes of one scenario. */
    public static final class Builder {
        private final int number;
        private final String title;
        private final List<Figure> figures = new ArrayList<>();
        private final List<String> notes = new ArrayList<>();

        public Builder(int number, String title) {
            this.number = number;
            this.title = title;
        }

        public Builder figure(String key, String label, double value, String unit) {
            figures.add(new Figure(key, label, value, unit));
            return this;
        }

        /** The figures every measured run reports: events, outputs, duplicates, throughput, p50, p99. */
        Builder measured(Bench.Measured run) {
            return figure(Figure.EVENTS, "events", run.events(), "")
                    .figure(Figure.OUTPUTS, "outputs", run.outputs(), "")
                    .figure("duplicate_outputs", "duplicate outputs", run.duplicates(), "")
                    .figure(Figure.THROUGHPUT, "throughput", run.throughput(), "events/s")
                    .figure(Figure.SAT_P50, "end-to-end p50, all sent at once", run.p50(), "ms")
                    .figure(Figure.SAT_P99, "end-to-end p99, all sent at once", run.p99(), "ms");
        }

        public Builder note(String note) {
            notes.add(note);
            return this;
        }

        public ScenarioResult build() {
            return new ScenarioResult(number, title, Collections.unmodifiableList(figures),
                    Collections.unmodifiableList(notes), null);
        }
    }
}
