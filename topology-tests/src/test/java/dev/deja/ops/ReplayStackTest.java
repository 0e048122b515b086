package dev.deja.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deja.app.DejaApp;
import dev.deja.app.Role;
import dev.deja.config.DejaConfig;
import dev.deja.local.Demo;
import dev.deja.local.LocalStack;
import dev.deja.local.OutputCollector;
import dev.deja.model.Outcome;
import dev.deja.model.OutputRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code deja replay} on the whole embedded stack: Kafka, s3proxy, the action host and Deja in this JVM. */
class ReplayStackTest {

    private static final Demo.Plan PLAN = new Demo.Plan(30, 5, 3, 7);
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldAnswerEveryReplayedUploadFromTheTableWhenReplayingFromEarliest() throws Exception {
        try (LocalStack stack = LocalStack.start(dir, new LocalStack.Options(false, 100, Duration.ZERO))) {
            // given
            DejaConfig config = DejaConfig.load(null, Map.of(), stack.settingsWithSecrets());
            List<OutputRecord> first = runOnce(stack, config);
            long invocations = stack.actions().invocations(LocalStack.ACTION);
            List<String> lines = new ArrayList<>();
            // when
            Replay.Report report = Replay.run(config, Replay.From.EARLIEST, false, false, lines::add);
            List<OutputRecord> all = restartAndCollect(stack, config);
            // then
            assertThat(report.offsets()).hasSize(4).allSatisfy((partition, offset) -> assertThat(offset).isZero());
            assertThat(lines).anyMatch(line -> line.contains("group deja, bucket-events-0: committed"));
            assertThat(all).hasSize(2 * PLAN.uploads());
            assertEveryUploadAnsweredTwice(first, all);
            assertThat(count(all, Outcome.CACHED)).isEqualTo(count(first, Outcome.CACHED) + PLAN.uploads());
            assertThat(stack.actions().invocations(LocalStack.ACTION)).isEqualTo(invocations);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldInvokeEachContentAgainWhenReplayingWithReinvoke() throws Exception {
        try (LocalStack stack = LocalStack.start(dir, new LocalStack.Options(false, 100, Duration.ZERO))) {
            // given
            DejaConfig config = DejaConfig.load(null, Map.of(), stack.settingsWithSecrets());
            List<OutputRecord> first = runOnce(stack, config);
            long invocations = stack.actions().invocations(LocalStack.ACTION);
            // when
            Replay.Report report = Replay.run(config, Replay.From.EARLIEST, true, false, line -> { });
            List<OutputRecord> all = restartAndCollect(stack, config);
            // then
            assertThat(report.tombstones()).isEqualTo(PLAN.distinct());
            assertThat(report.deletedTopics()).contains("deja-dedup-table-changelog", "deja-dedup-uploads-repartition");
            assertThat(all).hasSize(2 * PLAN.uploads()).noneMatch(output -> output.outcome() == Outcome.FAILED);
            assertEveryUploadAnsweredTwice(first, all);
            assertThat(count(all, Outcome.INVOKED)).isEqualTo(2L * PLAN.distinct());
            assertThat(stack.actions().invocations(LocalStack.ACTION)).isEqualTo(invocations + PLAN.distinct());
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldRefuseAndNameTheGroupWhenDejaRuns() throws Exception {
        try (LocalStack stack = LocalStack.start(dir, new LocalStack.Options(false, 100, Duration.ZERO))) {
            // given
            DejaConfig config = DejaConfig.load(null, Map.of(), stack.settingsWithSecrets());
            try (DejaApp app = DejaApp.start(config, Role.ALL)) {
                app.awaitRunning(WAIT);
                List<String> lines = new ArrayList<>();
                // when / then
                assertThatThrownBy(() -> Replay.run(config, Replay.From.EARLIEST, false, false, lines::add))
                        .isInstanceOf(Replay.ReplayRefusedException.class)
                        .hasMessageContaining("group deja is")
                        .hasMessageContaining("Stop every Deja instance");
                assertThat(lines).isEmpty();
            }
        }
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void shouldRefuseToReinvokeAndNameWhatIsInProgressWhenAnUploadIsParked() throws Exception {
        try (LocalStack stack = LocalStack.start(dir, new LocalStack.Options(false, 100, Duration.ofSeconds(8)));
             OutputCollector outputs = new OutputCollector(stack.kafka().bootstrapServers(), "deja-output")) {
            // given: Deja stopped while an upload waits for its (slow) call
            DejaConfig config = DejaConfig.load(null, Map.of(), stack.settingsWithSecrets());
            try (DejaApp app = DejaApp.start(config, Role.ALL)) {
                app.awaitRunning(WAIT);
                try (dev.deja.local.Uploader uploader = stack.uploader("bucket-events")) {
                    uploader.upload(LocalStack.PHOTOS, "slow.png", dev.deja.local.SampleImages.generate(1, 3).get(0), false);
                }
                dev.deja.testing.Await.until(WAIT, () -> stack.actions().invocations(LocalStack.ACTION) >= 1,
                        "the call accepted");
            }
            List<String> lines = new ArrayList<>();

            // when / then: the replay refuses, naming the parked upload and the unanswered call
            assertThatThrownBy(() -> Replay.run(config, Replay.From.EARLIEST, true, false, lines::add))
                    .isInstanceOf(Replay.ReplayRefusedException.class)
                    .hasMessageContaining("refusing --reinvoke while work is in progress")
                    .hasMessageContaining("1 upload(s) parked on a pending entry (dedup-waiters)")
                    .hasMessageContaining("call(s) not answered yet (invoker-requests)");
            // and nothing was touched: started again, Deja answers the parked upload from its one call
            try (DejaApp app = DejaApp.start(config, Role.ALL)) {
                app.awaitRunning(WAIT);
                assertThat(outputs.awaitAtLeast(1, WAIT)).singleElement()
                        .satisfies(output -> assertThat(output.outcome()).isEqualTo(Outcome.INVOKED));
            }
            assertThat(stack.actions().invocations(LocalStack.ACTION)).isEqualTo(1);
            // once it has, the replay goes ahead
            Replay.Report report = Replay.run(config, Replay.From.EARLIEST, true, false, lines::add);
            assertThat(report.tombstones()).isEqualTo(1);
            assertThat(lines).anyMatch(line -> line.contains("nothing in progress"));
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldOnlyPrintThePlanWhenDryRun() throws Exception {
        try (LocalStack stack = LocalStack.start(dir, new LocalStack.Options(false, 100, Duration.ZERO))) {
            // given
            DejaConfig config = DejaConfig.load(null, Map.of(), stack.settingsWithSecrets());
            List<OutputRecord> first = runOnce(stack, config);
            List<String> lines = new ArrayList<>();
            // when
            Replay.Report report = Replay.run(config, Replay.From.EARLIEST, true, true, lines::add);
            Replay.Report future = Replay.run(config, new Replay.From(Instant.now().plus(Duration.ofHours(1))), false, true,
                    line -> { });
            Replay.Report past = Replay.run(config, new Replay.From(Instant.now().minus(Duration.ofHours(1))), false, true,
                    line -> { });
            // then
            assertThat(report.dryRun()).isTrue();
            assertThat(future.offsets().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(PLAN.uploads());
            assertThat(past.offsets()).allSatisfy((partition, offset) -> assertThat(offset).isZero());
            assertThat(lines).last().asString().contains("nothing changed");
            assertThat(lines).anyMatch(line -> line.contains("committed") && line.contains("-> 0 (earliest)"));
            try (DejaApp app = DejaApp.start(config, Role.ALL);
                 OutputCollector outputs = new OutputCollector(stack.kafka().bootstrapServers(),
                         config.getString(DejaConfig.OUTPUT_TOPIC_CONFIG))) {
                app.awaitRunning(WAIT);
                assertThat(outputs.drain(Duration.ofSeconds(3))).hasSize(first.size());
            }
        }
    }

    private static List<OutputRecord> runOnce(LocalStack stack, DejaConfig config) throws Exception {
        try (DejaApp app = DejaApp.start(config, Role.ALL)) {
            app.awaitRunning(WAIT);
            Demo.Report report = Demo.run(stack, config, PLAN, WAIT, line -> { });
            assertThat(report.outputs()).hasSize(PLAN.uploads());
            return report.outputs();
        }
    }

    /** Starts Deja again and returns every output record, the first run's and the replay's. */
    private static List<OutputRecord> restartAndCollect(LocalStack stack, DejaConfig config) throws Exception {
        try (DejaApp app = DejaApp.start(config, Role.ALL);
             OutputCollector outputs = new OutputCollector(stack.kafka().bootstrapServers(),
                     config.getString(DejaConfig.OUTPUT_TOPIC_CONFIG))) {
            app.awaitRunning(WAIT);
            outputs.awaitAtLeast(2 * PLAN.uploads(), WAIT);
            return outputs.drain(Duration.ofSeconds(2));
        }
    }

    private static void assertEveryUploadAnsweredTwice(List<OutputRecord> first, List<OutputRecord> all) {
        Map<String, Long> perObject = all.stream()
                .collect(Collectors.groupingBy(output -> output.object().path(), Collectors.counting()));
        assertThat(perObject).containsOnlyKeys(first.stream().map(output -> output.object().path()).toList())
                .allSatisfy((path, count) -> assertThat(count).as(path).isEqualTo(2L));
    }

    private static long count(List<OutputRecord> outputs, Outcome outcome) {
        return outputs.stream().filter(output -> output.outcome() == outcome).count();
    }
}
