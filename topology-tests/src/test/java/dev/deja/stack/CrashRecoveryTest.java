package dev.deja.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deja.local.LocalStack;
import dev.deja.local.OutputCollector;
import dev.deja.local.SampleImages;
import dev.deja.local.Uploader;
import dev.deja.model.OutputRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Deja killed (SIGKILL, no clean close) mid-burst and started again loses no output and doubles no answer. */
class CrashRecoveryTest {

    private static final int IN_FLIGHT = 8;
    private static final int DISTINCT = 30;
    private static final int UPLOADS = 120;

    @TempDir
    Path dir;

    @Test
    @Timeout(300)
    void shouldAnswerEveryUploadExactlyOnceWhenDejaIsKilledMidBurst() throws Exception {
        try (LocalStack stack = LocalStack.start(dir, new LocalStack.Options(false, 100, Duration.ofMillis(400)));
             OutputCollector outputs = new OutputCollector(stack.kafka().bootstrapServers(), "deja-output")) {
            Path config = stack.writeConfig(dir.resolve("deja.properties"));
            Process first = startDeja(config, dir.resolve("deja-1.log"));
            try {
                List<byte[]> images = SampleImages.generate(DISTINCT, 99);
                try (Uploader uploader = stack.uploader("bucket-events")) {
                    uploader.upload(LocalStack.PHOTOS, "warmup.png", images.get(0), false);
                }
                assertThat(outputs.awaitAtLeast(1, Duration.ofSeconds(90))).as("Deja answers before the burst").hasSize(1);

                // when: a burst is uploaded, and Deja is killed while calls are in flight
                ExecutorService pool = Executors.newFixedThreadPool(4);
                List<Future<?>> uploads = new ArrayList<>();
                for (int u = 0; u < 4; u++) {
                    int uploaderId = u;
                    uploads.add(pool.submit(() -> {
                        try (Uploader uploader = stack.uploader("bucket-events")) {
                            for (int i = uploaderId; i < UPLOADS; i += 4) {
                                uploader.upload(LocalStack.PHOTOS, "burst/" + i + ".png", images.get(i % DISTINCT), false);
                            }
                        }
                        return null;
                    }));
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (stack.actions().invocations(LocalStack.ACTION) < 6 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                long invocationsAtKill = stack.actions().invocations(LocalStack.ACTION);
                for (Future<?> upload : uploads) {
                    upload.get(120, TimeUnit.SECONDS);
                }
                pool.shutdown();
                assertThat(invocationsAtKill).as("killed mid-burst").isLessThan(DISTINCT);

                // then: started again, it answers every upload exactly once
                Process second = startDeja(config, dir.resolve("deja-2.log"));
                try {
                    List<OutputRecord> all = outputs.awaitAtLeast(UPLOADS + 1, Duration.ofSeconds(150));
                    all = outputs.drain(Duration.ofSeconds(2));
                    assertThat(all).extracting(o -> o.object().path()).doesNotHaveDuplicates().hasSize(UPLOADS + 1);
                    long invocations = stack.actions().invocations(LocalStack.ACTION);
                    assertThat(invocations).as("calls: one per distinct image, plus at most the calls in flight at the kill")
                            .isBetween((long) DISTINCT, (long) DISTINCT + IN_FLIGHT);
                } finally {
                    second.destroy();
                    second.waitFor(60, TimeUnit.SECONDS);
                }
            } finally {
                first.destroyForcibly();
            }
        }
    }

    private Process startDeja(Path config, Path log) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                "dev.deja.cli.Deja", "run", "--config", config.toString(),
                "--set", "session.timeout.ms=6000",
                "--set", "deja.invoker.max.in.flight=" + IN_FLIGHT,
                "--set", "deja.admin.address=");
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

}
