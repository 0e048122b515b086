package dev.deja.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deja.model.InvocationRequest;
import dev.deja.model.OutputRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * Thousands of mutated MinIO events mixed with valid uploads: every event is answered or dead-lettered with a
 * reason, the topology keeps running, and the valid uploads get exactly their outputs.
 */
class EventFuzzTest {

    private static final int EVENTS = 3_000;

    @Test
    void shouldAnswerOrDeadLetterEveryMutatedEventAndLeaveValidUploadsUnaffected() {
        Random random = new Random(17);
        try (DedupHarness h = new DedupHarness(Map.of())) {
            Set<String> valid = new HashSet<>();
            int bad = 0;
            for (int i = 0; i < EVENTS; i++) {
                if (i % 3 == 0) {
                    // given: a valid upload between the bad ones (10 distinct contents)
                    String key = "ok/" + i + ".png";
                    h.send("photos/" + key, MinioFixtures.created("photos", key, md5(i % 10), 1234, h.nextSequencer()));
                    valid.add("photos/" + key);
                } else {
                    h.send(("photos/fuzz-" + i).getBytes(StandardCharsets.UTF_8), mutate(random, h.nextSequencer()));
                    bad++;
                }
                // the invoker's side: every request answered at once
                for (InvocationRequest request : h.drainInvocations()) {
                    h.succeed(request, "{\"thumbnail\":\"t\"}");
                }
            }
            // and a near-1 MB message of bad records
            StringBuilder huge = new StringBuilder("{\"EventName\":\"s3:ObjectCreated:Put\",\"Records\":[");
            while (huge.length() < 1_000_000) {
                huge.append("{\"s3\":{\"object\":{\"key\":42}}},");
            }
            huge.append("{}]}");
            h.send("photos/huge".getBytes(StandardCharsets.UTF_8), huge.toString().getBytes(StandardCharsets.UTF_8));
            bad++;
            h.upload("photos", "after.png", md5(3));
            valid.add("photos/after.png");

            // then: one output per valid upload, none FAILED
            List<OutputRecord> outputs = h.drainOutputs();
            List<String> answered = new ArrayList<>(outputs.stream().map(o -> o.object().path())
                    .filter(valid::contains).toList());
            assertThat(answered).hasSize(valid.size()).doesNotHaveDuplicates();
            assertThat(outputs).noneMatch(o -> o.outcome() == dev.deja.model.Outcome.FAILED);
            // every bad event either dead-lettered with a reason, or (a mutation that left it valid and matched) answered
            List<TestRecord<byte[], byte[]>> dead = h.dlq.readRecordsToList();
            assertThat(dead).allSatisfy(record -> {
                assertThat(record.headers().lastHeader(DeadLetters.REASON)).isNotNull();
                assertThat(record.headers().lastHeader(DeadLetters.REASON).value().length)
                        .isBetween(1, DeadLetters.MAX_REASON_CHARS * 4);
                assertThat(record.value().length + (record.key() == null ? 0 : record.key().length))
                        .isLessThanOrEqualTo(1024 * 1024 - 16 * 1024);
            });
            long fuzzAnswered = outputs.stream().filter(o -> !valid.contains(o.object().path())).count();
            Set<String> deadKeys = new HashSet<>();
            dead.forEach(record -> deadKeys.add(new String(record.key(), StandardCharsets.UTF_8)));
            assertThat(deadKeys.size() + fuzzAnswered).isGreaterThanOrEqualTo(bad);
            assertThat(deadKeys).contains("photos/huge");
        }
    }

    private static String md5(int i) {
        return String.format("%032x", 0x9e107d9d372bL + i);
    }

    private static byte[] mutate(Random random, String sequencer) {
        String good = MinioFixtures.created("photos", "cat-" + random.nextInt(1000) + ".png", md5(random.nextInt(10)),
                1234, sequencer);
        switch (random.nextInt(10)) {
            case 0 -> {
                return good.replace("\"size\":1234", "\"size\":" + pick(random, "\"big\"", "-1", "1e400", "[]", "{}", "null"))
                        .getBytes(StandardCharsets.UTF_8);
            }
            case 1 -> {
                String deep = "[".repeat(2_000 + random.nextInt(3_000)) + "]".repeat(10);
                return good.replace("\"key\":\"cat", "\"key\":" + deep + ",\"x\":\"cat").getBytes(StandardCharsets.UTF_8);
            }
            case 2 -> {
                byte[] bytes = good.getBytes(StandardCharsets.UTF_8);
                for (int k = 0; k < 1 + random.nextInt(5); k++) {
                    bytes[random.nextInt(bytes.length)] = (byte) (0x80 + random.nextInt(0x7f));
                }
                return bytes;
            }
            case 3 -> {
                return good.replace("\"eventName\":\"s3:ObjectCreated:Put\"",
                        "\"eventName\":\"s3:ObjectCreated:Put\",\"eventName\":\"s3:ObjectRemoved:Delete\"")
                        .getBytes(StandardCharsets.UTF_8);
            }
            case 4 -> {
                return good.replace("\"sequencer\":\"", "\"sequencer\":\"" + "s".repeat(50_000 + random.nextInt(200_000)))
                        .getBytes(StandardCharsets.UTF_8);
            }
            case 5 -> {
                return good.replace("\"key\":\"cat", "\"key\":\"" + "k".repeat(2_000) + "cat").getBytes(StandardCharsets.UTF_8);
            }
            case 6 -> {
                return good.substring(0, random.nextInt(good.length())).getBytes(StandardCharsets.UTF_8);
            }
            case 7 -> {
                return good.replace("\"Records\":[", "\"Records\":[" + pick(random, "1,", "null,", "\"x\",", "[],", "{},"))
                        .getBytes(StandardCharsets.UTF_8);
            }
            case 8 -> {
                return good.replace("\"eTag\":\"", "\"eTag\":" + pick(random, "42", "true", "{\"a\":1}") + ",\"y\":\"")
                        .getBytes(StandardCharsets.UTF_8);
            }
            default -> {
                byte[] noise = new byte[1 + random.nextInt(2_000)];
                random.nextBytes(noise);
                return noise;
            }
        }
    }

    private static String pick(Random random, String... options) {
        return options[random.nextInt(options.length)];
    }
}
