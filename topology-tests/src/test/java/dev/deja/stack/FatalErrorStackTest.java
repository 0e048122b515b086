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
import org.apache.kafka.clients.admin.TransactionListing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An input topic deleted under a running Deja takes the process down, non-zero, with one line naming the topic,
 * even where Kafka Streams itself never notices the topic is gone.
 */
class FatalErrorStackTest {

    private static final String INPUT = "bucket-events";

    @TempDir
    Path dir;

    /**
     * The order of the flaky run, made certain. Deleting a source topic under an {@code exactly_once_v2} application
     * leaves its next transaction's offsets commit for the deleted partitions retrying until the transaction times
     * out, and the abort fences the producer. The fenced stream thread rejoins under its static member id; the group
     * coordinator hands a returning static leader its old assignment without a rebalance, so Kafka Streams' assignor,
     * the one place that finds missing source topics, does not run, and the consumer takes the topic's absence as the
     * metadata the assignment was made with: nothing ever rebalances again. Here the producer is fenced (as the
     * timed-out transaction would) and the topic deleted while the process is held still, so that the fence comes
     * before Kafka Streams can have noticed the deletion.
     */
    @Test
    @Timeout(240)
    void shouldExitNonZeroNamingTheTopicWhenAnInputTopicIsDeletedAndTheProducerFencedBeforeKafkaStreamsNotices()
            throws Exception {
        try (LocalStack stack = LocalStack.start(dir, new LocalStack.Options(false, 100, Duration.ofMillis(50)));
             OutputCollector outputs = new OutputCollector(stack.kafka().bootstrapServers(), "deja-output");
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()))) {
            Path config = stack.writeConfig(dir.resolve("deja.properties"));
            Path log = Files.createDirectories(Path.of("target", "fatal-error")).resolve("deja.log");
            Process deja = startDeja(config, log);
            try {
                // given: Deja answered an upload
                try (Uploader uploader = stack.uploader(INPUT)) {
                    uploader.upload(LocalStack.PHOTOS, "first.png", SampleImages.generate(1, 5).get(0), false);
                }
                assertThat(outputs.awaitAtLeast(1, Duration.ofSeconds(90))).as("Deja answers first").hasSize(1);
                List<String> dedupProducers = admin.listTransactions().all().get(30, TimeUnit.SECONDS).stream()
                        .map(TransactionListing::transactionalId)
                        .filter(id -> id.startsWith("deja-") && !id.startsWith("deja-invoker-"))
                        .toList();
                assertThat(dedupProducers).as("the dedup application's transactional producers").isNotEmpty();

                // when: the input topic is deleted and the dedup producer fenced while the process is held still
                signal(deja, "STOP");
                try {
                    admin.fenceProducers(dedupProducers).all().get(30, TimeUnit.SECONDS);
                    admin.deleteTopics(List.of(INPUT)).all().get(30, TimeUnit.SECONDS);
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(INPUT)) {
                        assertThat(System.nanoTime()).as("the topic is gone within 30 s").isLessThan(deadline);
                        Thread.sleep(100);
                    }
                } finally {
                    signal(deja, "CONT");
                }

                // then: the process exits, non-zero, and its last words are one line naming the topic (or, should
                // Kafka Streams notice first after all, its state ERROR for the missing topic: either is one line)
                assertThat(deja.waitFor(120, TimeUnit.SECONDS)).as("the process exits").isTrue();
                assertThat(deja.exitValue()).isEqualTo(1);
                List<String> lines = Files.readAllLines(log).stream().filter(line -> !line.isBlank()).toList();
                assertThat(lines).last().satisfies(line -> assertThat(line).satisfiesAnyOf(
                        last -> assertThat(last).startsWith("deja: deja stopped: source topic " + INPUT + " no longer exists"),
                        last -> assertThat(last).startsWith("deja: deja stopped (Kafka Streams state ERROR)")));
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

    /** Sends a signal (STOP, CONT) to the child process: Java's Process can only terminate one. */
    private static void signal(Process process, String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).as("kill -%s returns", name).isTrue();
        assertThat(kill.exitValue()).as("kill -%s succeeds", name).isZero();
    }
}
