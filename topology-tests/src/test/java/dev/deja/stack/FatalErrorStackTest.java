package dev.deja.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deja.local.LocalStack;
import dev.deja.local.OutputCollector;
import dev.deja.local.SampleImages;
import dev.deja.local.Uploader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A Kafka Streams application that stops for good takes the process down, non-zero, with one line saying why. */
class FatalErrorStackTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(240)
    void shouldExitNonZeroWithAOneLineReasonWhenTheStreamsAppGoesIntoError() throws Exception {
        try (LocalStack stack = LocalStack.start(dir, new LocalStack.Options(false, 100, Duration.ofMillis(50)));
             OutputCollector outputs = new OutputCollector(stack.kafka().bootstrapServers(), "deja-output")) {
            Path config = stack.writeConfig(dir.resolve("deja.properties"));
            Path log = Files.createDirectories(Path.of("target", "fatal-error")).resolve("deja.log");
            Process deja = startDeja(config, log);
            try {
                try (Uploader uploader = stack.uploader("bucket-events")) {
                    uploader.upload(LocalStack.PHOTOS, "first.png", SampleImages.generate(1, 5).get(0), false);
                }
                assertThat(outputs.awaitAtLeast(1, Duration.ofSeconds(90))).as("Deja answers first").hasSize(1);

                // when: the input topic disappears under the running app (Kafka Streams stops it: state ERROR)
                try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                        stack.kafka().bootstrapServers()))) {
                    admin.deleteTopics(List.of("bucket-events")).all().get(30, TimeUnit.SECONDS);
                }

                // then: the process exits, non-zero, and its last words are one line naming the cause
                assertThat(deja.waitFor(120, TimeUnit.SECONDS)).as("the process exits").isTrue();
                assertThat(deja.exitValue()).isEqualTo(1);
                List<String> lines = Files.readAllLines(log).stream().filter(line -> !line.isBlank()).toList();
                assertThat(lines).last().satisfies(line -> assertThat(line)
                        .startsWith("deja: deja stopped (Kafka Streams state ERROR)"));
            } finally {
                deja.destroyForcibly();
            }
        }
    }

    private static Process startDeja(Path config, Path log) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                "dev.deja.cli.Deja", "run", "--config", config.toString(), "--set", "deja.admin.address=");
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }
}
