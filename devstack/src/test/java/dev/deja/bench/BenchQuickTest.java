package dev.deja.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deja.devstack.DejaDev;
import dev.deja.serde.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Runs {@code deja bench --quick} end to end and checks that it ran and that its figures are
 * sane. Never asserts a speed: the machine decides those.
 */
class BenchQuickTest {

    @TempDir
    Path out;

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void shouldMeasureEveryScenarioAndWriteTheReportWhenRunQuick() throws Exception {
        // given
        StringWriter console = new StringWriter();
        CommandLine cli = DejaDev.commandLine();
        cli.setOut(new PrintWriter(console, true));
        cli.setErr(new PrintWriter(console, true));

        // when
        int exit = cli.execute("bench", "--quick", "--out", out.toString());

        // then
        assertThat(exit).as(console.toString()).isZero();
        assertThat(console.toString())
                .contains("[1/8] pass-through")
                .contains("[3/8] mixed load")
                .contains("[6/8] hashing")
                .contains("[7/8] lifecycle")
                .contains("[8/8] cold start")
                .contains("Targets");
        assertThat(out.resolve(BenchReport.MARKDOWN)).isNotEmptyFile();
        assertThat(Files.readString(out.resolve(BenchReport.MARKDOWN))).contains("## Targets").contains("exactly_once_v2");
        assertThat(out.resolve(BenchReport.CHART)).isNotEmptyFile();
        assertThat(Files.readAllBytes(out.resolve(BenchReport.CHART))).startsWith(0x89, 'P', 'N', 'G');

        JsonNode results = Json.parse(Files.readString(out.resolve(BenchReport.JSON)));
        JsonNode passThrough = figures(results, 1);
        assertThat(passThrough.get("outputs").asInt()).isEqualTo(passThrough.get("events").asInt());
        assertThat(passThrough.get("throughput").asDouble()).isPositive();

        JsonNode cacheHit = figures(results, 2);
        assertThat(cacheHit.get("outputs").asInt()).isEqualTo(cacheHit.get("events").asInt());
        assertThat(cacheHit.get("duplicate_outputs").asInt()).isZero();
        assertThat(cacheHit.get("cached").asInt())
                .isEqualTo(cacheHit.get("events").asInt() + cacheHit.get("paced_events").asInt());
        assertThat(cacheHit.get("p99").asDouble()).isGreaterThanOrEqualTo(cacheHit.get("p50").asDouble());
        // The profile of the rounds: each output is one record on its topic, and every event costs some CPU.
        assertThat(passThrough.get("profile.records." + Bench.PT_OUT).asDouble()).isCloseTo(1.0, within(0.05));
        assertThat(cacheHit.get("profile.records.deja-output").asDouble()).isCloseTo(1.0, within(0.05));
        assertThat(passThrough.get("profile.cpu").asDouble()).isPositive();
        assertThat(cacheHit.get("profile.cpu").asDouble()).isPositive();
        assertThat(cacheHit.get("profile.cpu.Deja: stream threads").asDouble()).isPositive();

        JsonNode mixed = figures(results, 3);
        assertThat(mixed.get("outputs").asInt()).isEqualTo(mixed.get("events").asInt());
        assertThat(mixed.get("duplicate_outputs").asInt()).isZero();
        assertThat(mixed.get("invocations").asInt()).isEqualTo(mixed.get("unique_contents").asInt());
        assertThat(mixed.get("saturation_invocations").asInt()).isEqualTo(mixed.get("saturation_outputs").asInt());
        assertThat(mixed.get("in_flight_max").asInt()).isBetween(1, 32);
        assertThat(mixed.get("invoker_rate").asDouble()).isPositive();

        JsonNode naive = scenario(results, 4);
        if (!naive.has("skipped")) {
            JsonNode figures = naive.get("figures");
            assertThat(figures.get("outputs").asInt()).isEqualTo(figures.get("events").asInt());
            assertThat(figures.get("invocations").asInt()).isGreaterThanOrEqualTo(figures.get("unique_contents").asInt());
        }

        JsonNode scale = figures(results, 5);
        assertThat(scale.get("probe_outputs").asInt()).isPositive();
        // Most probes must be answered from the restored table (the report shows every outcome).
        assertThat(scale.get("cache_hits_after_restore").asDouble())
                .isGreaterThanOrEqualTo(0.9 * scale.get("probe_outputs").asDouble());
        assertThat(scale.get("rocksdb_bytes").asDouble()).isPositive();
        assertThat(scale.get("restore_seconds").asDouble()).isPositive();
        assertThat(scale.get("rss_bytes").asDouble()).isPositive();

        JsonNode hashing = figures(results, 6);
        assertThat(hashing.get("hash_mismatches").asInt()).isZero();
        assertThat(hashing.get("hash_sequential").asDouble()).isPositive();
        JsonNode lifecycle = figures(results, 7);
        for (String phase : new String[] {"non_blocking", "blocking", "sigterm", "join", "kill"}) {
            assertThat(lifecycle.get(phase + "_outputs").asInt()).as(phase).isEqualTo(lifecycle.get("uploads_per_phase").asInt());
            assertThat(lifecycle.get(phase + "_duplicates").asInt()).as(phase).isZero();
        }
        assertThat(lifecycle.get("sigterm_repeated").asInt()).isZero();
        assertThat(lifecycle.get("join_repeated").asInt()).isZero();
        assertThat(lifecycle.get("blocking_http_per_invocation").asDouble()).isEqualTo(1.0);
        assertThat(lifecycle.get("non_blocking_http_per_invocation").asDouble()).isGreaterThanOrEqualTo(2.0);
        assertThat(lifecycle.get("kill_restart_to_output").asDouble()).isPositive();

        // Scenario 8: fresh processes of the pass-through and of Deja, each on a backlog of cache hits.
        JsonNode cold = figures(results, 8);
        int backlog = cold.get("cold_backlog_events").asInt();
        int rounds = cold.get("cold_rounds").asInt();
        assertThat(backlog).isEqualTo(results.at("/options/coldEvents").asInt()).isPositive();
        for (String variant : new String[] {"passthrough", "deja", "deja_cds_image"}) {
            assertThat(cold.get("cold_" + variant + "_outputs").asInt()).as(variant).isEqualTo(backlog * rounds);
            assertThat(cold.get("cold_" + variant + "_duplicates").asInt()).as(variant).isZero();
            assertThat(cold.get("cold_" + variant + "_startup_ms").asDouble()).as(variant).isPositive();
            assertThat(cold.get("cold_" + variant + "_drain_rate").asDouble()).as(variant).isPositive();
            if (!variant.equals("passthrough")) {
                assertThat(cold.get("cold_" + variant + "_not_cached").asInt()).as(variant).isZero();
                assertThat(cold.get("cold_" + variant + "_drain_ratio").asDouble()).as(variant).isPositive();
                assertThat(cold.get("cold_" + variant + "_overall_ratio").asDouble()).as(variant).isPositive();
            }
        }
        // Every scenario ran, so every target was measured (met or not: the quick sizes say nothing of speed).
        assertThat(results.get("targets")).extracting(target -> target.get("name").asText()).containsExactly(
                "cache-hit throughput vs pass-through", "mixed-load throughput vs its ideal", "invocations in the mixed load",
                "cache-hit end-to-end p99 (exactly_once_v2)", "invoker rate at saturation",
                "cold start: a fresh Deja drains " + String.format(java.util.Locale.ROOT, "%,d", backlog) + " cache hits");
        assertThat(results.get("targets")).allSatisfy(target -> assertThat(target.get("ran").asBoolean()).isTrue());
    }

    private static JsonNode scenario(JsonNode results, int number) {
        for (JsonNode scenario : results.get("scenarios")) {
            if (scenario.get("number").asInt() == number) {
                return scenario;
            }
        }
        throw new AssertionError("no scenario " + number + " in " + results);
    }

    private static JsonNode figures(JsonNode results, int number) {
        JsonNode scenario = scenario(results, number);
        assertThat(scenario.has("skipped")).as("scenario %d skipped: %s", number, scenario.path("skipped")).isFalse();
        return scenario.get("figures");
    }
}
