package dev.deja.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bench runs of a base and a change side by side, read from the results.json files the bench writes. */
class BenchCompareTest {

    @TempDir
    Path dir;

    @Test
    void shouldShowEachRunsFiguresTheMediansAndTheRatioWhenGivenRunsOfEachSide() throws IOException {
        // given: the base's runs and the change's, written as the bench writes them
        List<Path> base = List.of(run("base-1", 30_000, 18_000, 20.0), run("base-2", 40_000, 22_000, 22.0),
                run("base-3", 35_000, 21_000, 21.0));
        List<Path> change = List.of(run("change-1", 30_000, 24_000, 15.0), run("change-2", 36_000, 27_000, 16.0));

        // when
        List<String> table = BenchCompare.table(base, change, Pattern.compile(BenchCompare.HEADLINE));

        // then: a row per headline figure, the runs in order, each side's median (of two, their mean), change / base
        assertThat(table.get(0)).isEqualTo("| figure | base 1 | base 2 | base 3 | change 1 | change 2 | base, median"
                + " | change, median | change / base |");
        assertThat(table).contains(
                "| 2.throughput | 18,000 | 22,000 | 21,000 | 24,000 | 27,000 | 21,000 | 25,500 | 1.214 |",
                "| 2.profile.cpu.Deja: stream threads | 20.0 | 22.0 | 21.0 | 15.0 | 16.0 | 21.0 | 15.5 | 0.738 |",
                "| 2/1.throughput | 0.600 | 0.550 | 0.600 | 0.800 | 0.750 | 0.600 | 0.775 | 1.292 |");
        assertThat(table).noneMatch(line -> line.startsWith("| 2.events |"));
    }

    @Test
    void shouldShowADashWhereARunLacksAFigure() throws IOException {
        Path withCold = dir.resolve("cold");
        new BenchReport(BenchOptions.quick(withCold), Map.of(), List.of(new ScenarioResult.Builder(8, "cold")
                .figure("cold_deja_drain_ratio", "drain ratio", 0.31, "x").build()), Instant.EPOCH, Instant.EPOCH)
                .write(withCold);

        List<String> table = BenchCompare.table(List.of(run("warm", 30_000, 20_000, 19.0)), List.of(withCold),
                Pattern.compile("drain_ratio|^2\\.throughput$"));

        assertThat(table).containsExactly(table.get(0), table.get(1),
                "| 2.throughput | 20,000 | - | 20,000 | - | - |",
                "| 8.cold_deja_drain_ratio | - | 0.310 | - | 0.310 | - |");
    }

    @Test
    void shouldNameThePathWhenADirectoryHoldsNoResults() {
        assertThatThrownBy(() -> BenchCompare.table(List.of(dir), List.of(dir), Pattern.compile(".")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(dir.resolve(BenchReport.JSON).toString());
    }

    private Path run(String name, double passThrough, double cacheHit, double streamThreadMicros) {
        Path out = dir.resolve(name);
        ScenarioResult one = new ScenarioResult.Builder(1, "pass-through")
                .figure(ScenarioResult.Figure.THROUGHPUT, "throughput", passThrough, "events/s").build();
        ScenarioResult two = new ScenarioResult.Builder(2, "cache hit")
                .figure(ScenarioResult.Figure.EVENTS, "events", 100_000, "")
                .figure(ScenarioResult.Figure.THROUGHPUT, "throughput", cacheHit, "events/s")
                .figure("profile.cpu.Deja: stream threads", "stream threads", streamThreadMicros, "µs").build();
        new BenchReport(BenchOptions.quick(out), Map.of(), List.of(one, two), Instant.EPOCH, Instant.EPOCH).write(out);
        return out;
    }
}
