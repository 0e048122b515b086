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
import dev.deja.s3.S3ResultStore;
import dev.deja.serde.Json;
import dev.deja.model.Outcome;
import dev.deja.model.OutputRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The invoker against the OpenWhisk-compatible action host: failures and large results. */
class InvokerStackTest {

    @TempDir
    Path dir;

    private static Map<String, String> rule(LocalStack stack, String action) {
        Map<String, String> settings = new HashMap<>(stack.settingsWithSecrets());
        settings.put("deja.rule.thumbs.action", action);
        settings.put("deja.failure.cooldown.ms", "600000");
        return settings;
    }

    @Test
    @Timeout(120)
    void shouldDeliverFailedOutputsWithoutARetryStormWhenTheActionFails() throws Exception {
        try (LocalStack stack = LocalStack.start(dir, new LocalStack.Options(false, 100, Duration.ZERO))) {
            stack.actions().register("broken", "1", args -> {
                sleep(300);
                JsonObject result = new JsonObject();
                result.addProperty("error", "cannot decode image");
                return result;
            });
            DejaConfig config = DejaConfig.load(null, Map.of(), rule(stack, "broken"));
            byte[] image = SampleImages.generate(1, 5).get(0);
            try (DejaApp app = DejaApp.start(config, Role.ALL);
                 OutputCollector outputs = new OutputCollector(stack.kafka().bootstrapServers(), "deja-output");
                 Uploader uploader = stack.uploader("bucket-events")) {
                app.awaitRunning(Duration.ofSeconds(60));

                // when: three uploads of the same image while its call runs and fails
                for (int i = 0; i < 3; i++) {
                    uploader.upload(LocalStack.PHOTOS, "copy-" + i + ".png", image, false);
                }

                // then: one call, three FAILED outputs carrying the error, and no further calls
                List<OutputRecord> records = outputs.awaitAtLeast(3, Duration.ofSeconds(60));
                assertThat(records).hasSize(3).allSatisfy(o -> {
                    assertThat(o.outcome()).isEqualTo(Outcome.FAILED);
                    assertThat(o.error()).isEqualTo("cannot decode image");
                });
                assertThat(outputs.drain(Duration.ofSeconds(2))).hasSize(3);
                assertThat(stack.actions().invocations("broken")).isEqualTo(1);
            }
        }
    }

    @Test
    @Timeout(120)
    void shouldCarryAReferenceWhenTheResultIsTooLargeForARecord() throws Exception {
        try (LocalStack stack = LocalStack.start(dir, new LocalStack.Options(false, 100, Duration.ZERO))) {
            String big = "x".repeat(900 * 1024);
            stack.actions().register("big", "1", args -> {
                JsonObject result = new JsonObject();
                result.addProperty("payload", big);
                return result;
            });
            DejaConfig config = DejaConfig.load(null, Map.of(), rule(stack, "big"));
            try (DejaApp app = DejaApp.start(config, Role.ALL);
                 OutputCollector outputs = new OutputCollector(stack.kafka().bootstrapServers(), "deja-output");
                 Uploader uploader = stack.uploader("bucket-events")) {
                app.awaitRunning(Duration.ofSeconds(60));

                uploader.upload(LocalStack.PHOTOS, "doc.png", SampleImages.generate(1, 6).get(0), false);

                List<OutputRecord> records = outputs.awaitAtLeast(1, Duration.ofSeconds(60));
                assertThat(records).singleElement().satisfies(o -> {
                    assertThat(o.outcome()).isEqualTo(Outcome.INVOKED);
                    assertThat(o.result()).isNull();
                    assertThat(o.resultRef()).startsWith("s3://deja-results/results/");
                    byte[] stored = new S3ResultStore(stack.s3().client(), "deja-results").get(o.resultRef());
                    assertThat(Json.parse(new String(stored, StandardCharsets.UTF_8)).get("payload").asText()).isEqualTo(big);
                });
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
