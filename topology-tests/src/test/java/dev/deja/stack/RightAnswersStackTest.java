package dev.deja.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deja.action.ThumbnailAction;
import dev.deja.app.DejaApp;
import dev.deja.app.Role;
import dev.deja.config.DejaConfig;
import dev.deja.local.LocalStack;
import dev.deja.local.OutputCollector;
import dev.deja.local.Uploader;
import dev.deja.model.Outcome;
import dev.deja.model.OutputRecord;
import dev.deja.testing.Await;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Right answers on real parts: the thumbnail action reads through s3proxy, which honours If-Match,
 * and the action host reports each action's {@code updated} time as OpenWhisk does.
 */
class RightAnswersStackTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(180)
    void shouldNeverKeepAResultOfOtherBytesWhenAnObjectIsOverwrittenBeforeItsCallRuns() throws Exception {
        // The action starts 1.5 s after its call: time enough to overwrite the object it is asked about.
        try (LocalStack stack = LocalStack.start(dir, new LocalStack.Options(false, 100, Duration.ofMillis(1500)));
             OutputCollector outputs = new OutputCollector(stack.kafka().bootstrapServers(), "deja-output")) {
            Map<String, String> settings = new HashMap<>(stack.settingsWithSecrets());
            settings.put(DejaConfig.FAILURE_COOLDOWN_CONFIG, "0");
            DejaConfig config = DejaConfig.load(null, Map.of(), settings);
            byte[] first = WholeStackTest.noisePng(64, 48, 1);
            byte[] second = WholeStackTest.noisePng(40, 30, 2);
            try (DejaApp app = DejaApp.start(config, Role.ALL);
                 Uploader uploader = stack.uploader(config.getString(DejaConfig.INPUT_TOPIC_CONFIG))) {
                app.awaitRunning(Duration.ofSeconds(60));

                // when: photos/a.png is uploaded and, before its call runs, overwritten with other bytes
                uploader.upload(LocalStack.PHOTOS, "a.png", first, false);
                uploader.upload(LocalStack.PHOTOS, "a.png", second, false);
                List<OutputRecord> both = outputs.awaitAtLeast(2, Duration.ofSeconds(60));

                // then: the first upload's answer is an honest failure, never the second content's thumbnail
                OutputRecord ofFirst = only(both, md5(first));
                assertThat(ofFirst.outcome()).isEqualTo(Outcome.FAILED);
                assertThat(ofFirst.error()).contains("changed since the event");
                OutputRecord ofSecond = only(both, md5(second));
                assertThat(ofSecond.outcome()).isEqualTo(Outcome.INVOKED);
                assertThat(ofSecond.result().get("width").asInt()).isEqualTo(40);

                // and when the first content is uploaded again at another path
                uploader.upload(LocalStack.PHOTOS, "a-copy.png", first, false);
                OutputRecord again = outputs.awaitAtLeast(3, Duration.ofSeconds(60)).get(2);

                // then it gets the thumbnail of its own bytes
                assertThat(again.contentMd5()).isEqualTo(md5(first));
                assertThat(again.outcome()).isEqualTo(Outcome.INVOKED);
                assertThat(again.result().get("width").asInt()).isEqualTo(64);
                assertThat(again.result().get("sourceBytes").asInt()).isEqualTo(first.length);
                assertThat(stack.actions().invocations(LocalStack.ACTION)).isEqualTo(3);
            }
        }
    }

    @Test
    @Timeout(180)
    void shouldCallAnActionDeletedAndCreatedAgainAtTheSameVersionOnceMore() throws Exception {
        try (LocalStack stack = LocalStack.start(dir, new LocalStack.Options(false, 100, Duration.ZERO));
             OutputCollector outputs = new OutputCollector(stack.kafka().bootstrapServers(), "deja-output")) {
            Map<String, String> settings = new HashMap<>(stack.settingsWithSecrets());
            settings.put(DejaConfig.OPENWHISK_VERSION_REFRESH_CONFIG, "200");
            DejaConfig config = DejaConfig.load(null, Map.of(), settings);
            byte[] image = WholeStackTest.noisePng(32, 32, 3);
            try (DejaApp app = DejaApp.start(config, Role.ALL);
                 Uploader uploader = stack.uploader(config.getString(DejaConfig.INPUT_TOPIC_CONFIG))) {
                app.awaitRunning(Duration.ofSeconds(60));
                uploader.upload(LocalStack.PHOTOS, "one.png", image, false);
                outputs.awaitAtLeast(1, Duration.ofSeconds(60));
                String before = app.actionVersions().get(LocalStack.ACTION);

                // when: the action is deleted and created again, with new code and the same version number
                stack.actions().register(LocalStack.ACTION, LocalStack.ACTION_VERSION, ThumbnailAction::main);
                Await.until(Duration.ofSeconds(20), () -> !before.equals(app.actionVersions().get(LocalStack.ACTION)),
                        "Deja reads the re-created action's identity");
                uploader.upload(LocalStack.PHOTOS, "two.png", image, false);
                outputs.awaitAtLeast(2, Duration.ofSeconds(60));
                uploader.upload(LocalStack.PHOTOS, "three.png", image, false);
                List<OutputRecord> all = outputs.awaitAtLeast(3, Duration.ofSeconds(60));

                // then: one new call for the new code, then its result is kept
                assertThat(all).extracting(OutputRecord::outcome).containsExactly(Outcome.INVOKED, Outcome.INVOKED, Outcome.CACHED);
                assertThat(all.get(1).actionVersion()).startsWith(LocalStack.ACTION_VERSION + "+").isNotEqualTo(before);
                assertThat(stack.actions().invocations(LocalStack.ACTION)).as("calls of the re-created action").isEqualTo(1);
            }
        }
    }

    private static OutputRecord only(List<OutputRecord> outputs, String md5) {
        List<OutputRecord> of = outputs.stream().filter(o -> o.contentMd5().equals(md5)).toList();
        assertThat(of).as("outputs of content " + md5).hasSize(1);
        return of.get(0);
    }

    private static String md5(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
    }
}
