package dev.deja.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.deja.app.DejaApp;
import dev.deja.app.Role;
import dev.deja.config.DejaConfig;
import dev.deja.local.LocalStack;
import dev.deja.local.OutputCollector;
import dev.deja.local.SampleImages;
import dev.deja.local.Uploader;
import dev.deja.model.Outcome;
import dev.deja.model.OutputRecord;
import dev.deja.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What operators do to a running Deja, on a real broker and the action host, counting the activations that really
 * ran per content: a planned event (a graceful stop mid-burst, a new instance joining mid-burst, an invoker down
 * longer than the pending timeout) repeats no activation, and every upload gets exactly one output.
 */
class LifecycleStackTest {

    private static final String ACTION = "counted";
    private static final int CONTENTS = 20;
    private static final int UPLOADS = 200;
    private static final long ACTION_MS = 800;

    @TempDir
    Path dir;

    /** Activations that ran, by the eTag (the content MD5) the action was told. */
    private final Map<String, AtomicInteger> activations = new ConcurrentHashMap<>();
    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private LocalStack stack;
    private OutputCollector outputs;

    @BeforeEach
    void startStack() {
        stack = LocalStack.start(dir, new LocalStack.Options(false, 100, Duration.ZERO));
        outputs = new OutputCollector(stack.kafka().bootstrapServers(), "deja-output");
        registerCountingAction(stack);
    }

    @AfterEach
    void stopStack() {
        pool.shutdownNow();
        outputs.close();
        stack.close();
    }

    private void registerCountingAction(LocalStack stack) {
        stack.actions().register(ACTION, "1", args -> {
            activations.computeIfAbsent(args.get("eTag").getAsString(), k -> new AtomicInteger()).incrementAndGet();
            try {
                Thread.sleep(ACTION_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            JsonObject result = new JsonObject();
            result.addProperty("ok", true);
            return result;
        });
    }

    private static DejaConfig config(LocalStack stack, String instance, Map<String, String> more) {
        Map<String, String> settings = new HashMap<>(stack.settingsWithSecrets());
        settings.put("deja.rule.thumbs.action", ACTION);
        settings.put(DejaConfig.STATE_DIR_CONFIG, stack.dataDir().resolve("state-" + instance).toString());
        settings.put(DejaConfig.INSTANCE_ID_CONFIG, instance);
        settings.put(DejaConfig.ADMIN_ADDRESS_CONFIG, "");
        settings.put("deja.invoker.max.in.flight", "8");
        settings.putAll(more);
        return DejaConfig.load(null, Map.of(), settings);
    }

    /** Uploads {@link #UPLOADS} objects over {@link #CONTENTS} contents from four producers. */
    private static List<Future<?>> burst(LocalStack stack, ExecutorService pool, String prefix) {
        List<byte[]> images = SampleImages.generate(CONTENTS, 17);
        List<Future<?>> uploads = new ArrayList<>();
        for (int u = 0; u < 4; u++) {
            int producer = u;
            uploads.add(pool.submit(() -> {
                try (Uploader uploader = stack.uploader("bucket-events")) {
                    for (int i = producer; i < UPLOADS; i += 4) {
                        uploader.upload(LocalStack.PHOTOS, prefix + i + ".png", images.get(i % CONTENTS), false);
                        Thread.sleep(10);
                    }
                }
                return null;
            }));
        }
        return uploads;
    }

    private void awaitActivations(int atLeast, Duration timeout) {
        Await.until(timeout, () -> total() >= atLeast, atLeast + " activations");
    }

    private int total() {
        return activations.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /** Waits for the burst's uploads and their outputs; then one output each, none FAILED, one activation a content. */
    private void assertEveryUploadAnsweredOnceAndEachContentRunOnce(List<Future<?>> uploads) throws Exception {
        for (Future<?> upload : uploads) {
            upload.get(120, TimeUnit.SECONDS);
        }
        outputs.awaitAtLeast(UPLOADS, Duration.ofSeconds(120));
        assertOneOutputPerUpload(outputs.drain(Duration.ofSeconds(2)));
        assertOneActivationPerContent();
    }

    private static void assertOneOutputPerUpload(List<OutputRecord> all) {
        assertThat(all).extracting(o -> o.object().path()).doesNotHaveDuplicates().hasSize(UPLOADS);
        assertThat(all).extracting(OutputRecord::outcome).doesNotContain(Outcome.FAILED);
    }

    private void assertOneActivationPerContent() {
        assertThat(activations).hasSize(CONTENTS);
        assertThat(activations).allSatisfy((md5, count) -> assertThat(count.get()).as("activations of " + md5).isEqualTo(1));
    }

    @Test
    @Timeout(300)
    void shouldRepeatNoActivationWhenDejaIsStoppedGracefullyMidBurstThreeTimes() throws Exception {
        DejaConfig config = config(stack, "one", Map.of());
        List<Future<?>> uploads = burst(stack, pool, "burst/");

        // when: a rolling deploy's SIGTERM (DejaApp.close, as the shutdown hook runs it) lands three times
        // while activations run, and the instance comes back each time
        for (int stop = 1; stop <= 3; stop++) {
            try (DejaApp app = DejaApp.start(config, Role.ALL)) {
                app.awaitRunning(Duration.ofSeconds(60));
                awaitActivations(Math.min(CONTENTS - 1, stop * 5), Duration.ofSeconds(60));
            }
        }

        // then
        try (DejaApp app = DejaApp.start(config, Role.ALL)) {
            assertEveryUploadAnsweredOnceAndEachContentRunOnce(uploads);
        }
    }

    @Test
    @Timeout(300)
    void shouldRepeatNoActivationWhenASecondInstanceJoinsMidBurst() throws Exception {
        try (DejaApp first = DejaApp.start(config(stack, "first", Map.of()), Role.ALL)) {
            first.awaitRunning(Duration.ofSeconds(60));
            List<Future<?>> uploads = burst(stack, pool, "scale/");
            awaitActivations(4, Duration.ofSeconds(60));

            // when: a second instance with the same application id joins while activations run
            try (DejaApp second = DejaApp.start(config(stack, "second", Map.of()), Role.ALL)) {
                second.awaitRunning(Duration.ofSeconds(90));

                // then
                assertEveryUploadAnsweredOnceAndEachContentRunOnce(uploads);
            }
        }
    }

    @Test
    @Timeout(300)
    void shouldRepeatNoActivationWhenTheInvokerIsDownLongerThanThePendingTimeout() throws Exception {
        Map<String, String> shortTimeout = Map.of(DejaConfig.PENDING_TIMEOUT_CONFIG, "500");
        try (DejaApp dedup = DejaApp.start(config(stack, "dedup", shortTimeout), Role.DEDUP)) {
            dedup.awaitRunning(Duration.ofSeconds(60));

            // given: every request is re-sent several times while no invoker runs
            List<Future<?>> uploads = burst(stack, pool, "outage/");
            for (Future<?> upload : uploads) {
                upload.get(120, TimeUnit.SECONDS);
            }
            Thread.sleep(3_000);
            assertThat(total()).isZero();

            // when: the invoker comes up, and the re-sends go on while its calls run
            try (DejaApp invoker = DejaApp.start(config(stack, "invoker", shortTimeout), Role.INVOKER)) {
                // then
                assertEveryUploadAnsweredOnceAndEachContentRunOnce(uploads);
            }
        }
    }

    @Test
    @Timeout(300)
    void shouldRunEachContentOnceWithoutFailuresWhenAGatewayAnswers504ToLongCalls() throws Exception {
        // given: a gateway in front of OpenWhisk gives up on calls after 300 ms; the action takes 800 ms
        stack.actions().gatewayTimeout(Duration.ofMillis(300));
        try (DejaApp app = DejaApp.start(config(stack, "gateway", Map.of()), Role.ALL)) {
            app.awaitRunning(Duration.ofSeconds(60));

            // when
            List<Future<?>> uploads = burst(stack, pool, "gateway/");

            // then: non-blocking calls are answered at once, their activations read: no 504, no FAILED
            assertEveryUploadAnsweredOnceAndEachContentRunOnce(uploads);
        }
    }

    @Test
    @Timeout(300)
    void shouldNeverInvokeAgainWhenAGatewayAnswers504ToBlockingCalls() throws Exception {
        stack.actions().gatewayTimeout(Duration.ofMillis(300));
        Map<String, String> blocking = Map.of(DejaConfig.INVOKER_BLOCKING_CONFIG, "true",
                DejaConfig.FAILURE_COOLDOWN_CONFIG, "600000");
        try (DejaApp app = DejaApp.start(config(stack, "blocking", blocking), Role.ALL)) {
            app.awaitRunning(Duration.ofSeconds(60));

            // when: one upload per content, and every blocking call gets a 504 while its action runs on
            List<byte[]> images = SampleImages.generate(CONTENTS, 17);
            try (Uploader uploader = stack.uploader("bucket-events")) {
                for (int i = 0; i < CONTENTS; i++) {
                    uploader.upload(LocalStack.PHOTOS, "blocking/" + i + ".png", images.get(i), false);
                }
            }

            // then: each content ran once (never a blind second POST); each upload says it is uncertain
            List<OutputRecord> all = outputs.awaitAtLeast(CONTENTS, Duration.ofSeconds(120));
            all = outputs.drain(Duration.ofSeconds(2));
            assertThat(all).extracting(o -> o.object().path()).doesNotHaveDuplicates().hasSize(CONTENTS);
            assertThat(all).allSatisfy(o -> {
                assertThat(o.outcome()).isEqualTo(Outcome.FAILED);
                assertThat(o.error()).contains("504");
            });
            Thread.sleep(ACTION_MS);
            assertOneActivationPerContent();
            assertThat(app.registry().get("deja.invocation.failures").tag("kind", "uncertain").counter().count())
                    .isEqualTo(CONTENTS);
        }
    }
}
