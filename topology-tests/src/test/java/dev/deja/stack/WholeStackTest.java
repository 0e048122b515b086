package dev.deja.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deja.app.DejaApp;
import dev.deja.app.Role;
import dev.deja.config.DejaConfig;
import dev.deja.local.Demo;
import dev.deja.local.LocalStack;
import dev.deja.local.OutputCollector;
import dev.deja.local.Uploader;
import dev.deja.mirror.CouchClient;
import dev.deja.model.EntryStatus;
import dev.deja.model.Outcome;
import dev.deja.model.OutputRecord;
import dev.deja.testing.Await;
import dev.deja.topology.DejaTopology;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deja on real parts: a Kafka broker (KRaft), s3proxy, the action host, and pouchdb-server for the
 * mirror's test, which is skipped (not passed) when Node.js is missing.
 */
class WholeStackTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(180)
    void shouldInvokeOncePerDistinctImageAndAnswerEveryUploadOnceWhenUploadsBurst() throws Exception {
        try (LocalStack stack = LocalStack.start(dir, new LocalStack.Options(false, 100, Duration.ZERO))) {
            DejaConfig config = DejaConfig.load(null, Map.of(), stack.settingsWithSecrets());
            try (DejaApp app = DejaApp.start(config, Role.ALL)) {
                app.awaitRunning(Duration.ofSeconds(60));

                // when: 200 uploads of 20 distinct images from 8 concurrent uploaders
                Demo.Report report = Demo.run(stack, config, new Demo.Plan(200, 20, 8, 7), Duration.ofSeconds(90), line -> { });

                // then
                assertThat(report.outputs()).hasSize(200);
                assertThat(report.invocations()).isEqualTo(20);
                assertThat(report.outputs()).extracting(o -> o.object().path()).doesNotHaveDuplicates();
                assertThat(report.outputs()).filteredOn(o -> o.outcome() == Outcome.INVOKED).hasSize(20);
                assertThat(report.outputs()).noneMatch(o -> o.outcome() == Outcome.FAILED);
                assertThat(report.outputs()).allSatisfy(o -> assertThat(o.result().get("thumbnail").asText()).startsWith("s3://thumbnails/thumbs/"));
                Map<String, Long> perContent = report.outputs().stream()
                        .collect(Collectors.groupingBy(OutputRecord::contentMd5, Collectors.counting()));
                assertThat(perContent).hasSize(20);
                assertThat(app.metrics().count(Outcome.INVOKED)).isEqualTo(20);

                // and the redelivery store's changelog is kept as Kafka Streams keeps a window store's
                String seenChangelog = config.getString(DejaConfig.APPLICATION_ID_CONFIG) + "-" + DejaTopology.SEEN_STORE + "-changelog";
                ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, seenChangelog);
                Config seen;
                try (Admin admin = stack.kafka().admin()) {
                    seen = admin.describeConfigs(List.of(topic)).all().get().get(topic);
                }
                assertThat(seen.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("compact,delete");
                assertThat(seen.get(TopicConfig.RETENTION_MS_CONFIG).value()).isEqualTo(String.valueOf(
                        config.getLong(DejaConfig.REDELIVERY_WINDOW_CONFIG) + Duration.ofDays(1).toMillis()));

                // and, idle once the burst is answered, its stream threads commit (each commit a transaction) about
                // once a second, not every commit interval: punctuations that find nothing to do slow down
                Thread.sleep(3_000);
                double dedupBefore = commits(app.dedupStreams());
                double invokerBefore = commits(app.invokerStreams());
                Thread.sleep(5_000);
                double dedup = commits(app.dedupStreams()) - dedupBefore;
                double invoker = commits(app.invokerStreams()) - invokerBefore;
                assertThat(dedup + invoker).as("commits of the two apps' stream threads in 5 idle seconds (ten a second"
                        + " each at the busy pace): dedup " + dedup + ", invoker " + invoker).isLessThan(40);
            }
        }
    }

    private static double commits(KafkaStreams streams) {
        return streams.metrics().entrySet().stream()
                .filter(metric -> metric.getKey().name().equals("commit-total")
                        && metric.getKey().group().equals("stream-thread-metrics"))
                .mapToDouble(metric -> ((Number) metric.getValue().metricValue()).doubleValue())
                .sum();
    }

    @Test
    @Timeout(180)
    void shouldMirrorOneDoneDocumentPerContentWithEveryLaterUploadAsAHitWhenUploadsBurst() throws Exception {
        try (LocalStack stack = LocalStack.start(dir, LocalStack.Options.defaults())) {
            assumeTrue(stack.couch().isPresent(), "Node.js missing: no pouchdb-server, so the CouchDB mirror goes unchecked"
                    + " (install Node.js; scripts/test then installs pouchdb-server)");
            DejaConfig config = DejaConfig.load(null, Map.of(), stack.settingsWithSecrets());
            try (DejaApp app = DejaApp.start(config, Role.ALL)) {
                app.awaitRunning(Duration.ofSeconds(60));

                // when: 40 uploads of 8 distinct images from 4 concurrent uploaders
                Demo.Report report = Demo.run(stack, config, new Demo.Plan(40, 8, 4, 7), Duration.ofSeconds(90), line -> { });

                // then: once the hit counts are published (deja.hits.publish.interval.ms), CouchDB holds
                // one DONE document per distinct content, with every upload beyond the first as a hit
                assertThat(report.outputs()).hasSize(40);
                assertThat(report.invocations()).isEqualTo(8);
                CouchClient couch = new CouchClient(DejaApp.couchSettings(config));
                // Hits reach the table within two publish intervals (10 s each by default), then the mirror.
                Await.until(Duration.ofSeconds(50), () -> {
                    List<ObjectNode> done = couch.allDocuments().stream()
                            .filter(d -> EntryStatus.DONE.name().equals(d.path("status").asText())).toList();
                    return done.size() == 8 && done.stream().mapToLong(d -> d.path("hits").asLong()).sum() == 32;
                }, "8 DONE documents in CouchDB with 32 hits between them");
            }
        }
    }

    @Test
    @Timeout(120)
    void shouldRecogniseTheSameContentWhenOneUploadIsMultipartAndTheOtherIsNot() throws Exception {
        byte[] large = noisePng(1600, 1200, 11);
        assertThat(large.length).isGreaterThan((int) Uploader.PART_SIZE);
        try (LocalStack stack = LocalStack.start(dir, new LocalStack.Options(false, 100, Duration.ZERO))) {
            DejaConfig config = DejaConfig.load(null, Map.of(), stack.settingsWithSecrets());
            try (DejaApp app = DejaApp.start(config, Role.ALL);
                 OutputCollector outputs = new OutputCollector(stack.kafka().bootstrapServers(), "deja-output");
                 Uploader uploader = stack.uploader("bucket-events")) {
                app.awaitRunning(Duration.ofSeconds(60));

                // when
                Uploader.Uploaded multipart = uploader.upload(LocalStack.PHOTOS, "big/multi.png", large, true);
                Uploader.Uploaded single = uploader.upload(LocalStack.PHOTOS, "big/single.png", large, false);

                // then
                assertThat(multipart.event().eTag()).matches("[0-9a-f]{32}-2");
                assertThat(single.event().eTag()).matches("[0-9a-f]{32}");
                List<OutputRecord> records = outputs.awaitAtLeast(2, Duration.ofSeconds(60));
                assertThat(records).hasSize(2);
                assertThat(records).extracting(OutputRecord::contentMd5).containsOnly(single.event().eTag());
                assertThat(records).extracting(OutputRecord::dedupKey).containsOnly(records.get(0).dedupKey());
                assertThat(stack.actions().invocations(LocalStack.ACTION)).isEqualTo(1);
            }
        }
    }

    @Test
    @Timeout(180)
    void shouldAnswerEveryUploadWhenDedupAndInvokerRunInSeparateProcesses() throws Exception {
        try (LocalStack stack = LocalStack.start(dir, new LocalStack.Options(false, 100, Duration.ZERO))) {
            Map<String, String> settings = new java.util.HashMap<>(stack.settingsWithSecrets());
            DejaConfig dedupConfig = DejaConfig.load(null, Map.of(), settings);
            settings.put(DejaConfig.STATE_DIR_CONFIG, dir.resolve("invoker-state").toString());
            DejaConfig invokerConfig = DejaConfig.load(null, Map.of(), settings);
            try (DejaApp invoker = DejaApp.start(invokerConfig, Role.INVOKER);
                 DejaApp dedup = DejaApp.start(dedupConfig, Role.DEDUP)) {
                invoker.awaitRunning(Duration.ofSeconds(60));
                dedup.awaitRunning(Duration.ofSeconds(60));
                assertThat(invoker.states()).containsOnlyKeys("invoker");
                assertThat(dedup.states()).containsOnlyKeys("dedup");

                Demo.Report report = Demo.run(stack, dedupConfig, new Demo.Plan(40, 8, 4, 3), Duration.ofSeconds(90), line -> { });

                assertThat(report.outputs()).hasSize(40);
                assertThat(report.invocations()).isEqualTo(8);
            }
        }
    }

    static byte[] noisePng(int width, int height, long seed) throws Exception {
        Random random = new Random(seed);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, random.nextInt(0xFFFFFF));
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        return png.toByteArray();
    }

}
