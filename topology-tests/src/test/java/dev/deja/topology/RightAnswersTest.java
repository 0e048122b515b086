package dev.deja.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.deja.model.InvocationRequest;
import dev.deja.model.Outcome;
import dev.deja.model.OutputRecord;
import dev.deja.model.TableEntry;
import dev.deja.serde.JsonSerde;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * A cached answer is served forever: these are the input patterns that once gave a wrong answer
 * or a second output, each answered exactly once now.
 */
class RightAnswersTest {

    private static final String MD5 = "9e107d9d372bb6826bd81d3542a419d6";
    private static final String THUMB = "{\"thumbnail\":\"s3://thumbnails/thumbs/ab12.png\",\"width\":128}";
    private static final String FIXTURE_TIME = "2026-11-23T10:15:30.120Z";

    @Test
    void shouldAnswerEveryRuleOnceWhenTwoRulesShareTheActionAndParams() {
        try (DedupHarness h = new DedupHarness(Map.of("deja.rules", "thumbs,avatars", "deja.rule.avatars.action", "thumbnail",
                "deja.rule.avatars.bucket", "photos", "deja.rule.avatars.params", "{\"width\": 128}"))) {
            // given: one upload that both rules match (one dedup key: same action, version and params)
            String event = MinioFixtures.created("photos", "cat.png", MD5, 1234, "187A9E2C9B5D3A10");
            h.send("photos/cat.png", event);

            // when: the call returns, MinIO redelivers the event, and the same content comes again
            h.succeed(h.drainInvocations().get(0), THUMB);
            h.send("photos/cat.png", event);
            h.upload("photos", "cat-again.png", MD5);

            // then: one call; each (upload, rule) answered once
            assertThat(h.drainInvocations()).isEmpty();
            assertThat(h.drainOutputs()).extracting(o -> o.object().key(), OutputRecord::rule, OutputRecord::outcome)
                    .containsExactlyInAnyOrder(
                            tuple("cat.png", "thumbs", Outcome.INVOKED),
                            tuple("cat.png", "avatars", Outcome.COALESCED),
                            tuple("cat-again.png", "thumbs", Outcome.CACHED),
                            tuple("cat-again.png", "avatars", Outcome.CACHED));
        }
    }

    @Test
    void shouldAnswerRedeliveriesOnceAfterAnEventStampedFarInTheFuture() {
        try (DedupHarness h = new DedupHarness(Map.of())) {
            // given: uploads, one of them with an event time of 9999-12-31, then more uploads
            List<String> events = IntStream.range(0, 6)
                    .mapToObj(i -> MinioFixtures.created("photos", "p" + i + ".png", md5(i), 1234, h.nextSequencer()))
                    .collect(Collectors.toList());
            events.set(3, events.get(3).replace(FIXTURE_TIME, "9999-12-31T23:59:59.000Z"));
            for (int i = 0; i < events.size(); i++) {
                h.send("photos/p" + i + ".png", events.get(i));
            }
            h.drainInvocations().forEach(r -> h.succeed(r, THUMB));
            assertThat(h.drainOutputs()).hasSize(6);

            // when: MinIO delivers every event again, minutes later
            h.advance(Duration.ofMinutes(3));
            for (int i = 0; i < events.size(); i++) {
                h.send("photos/p" + i + ".png", events.get(i));
            }

            // then: nothing more
            assertThat(h.drainOutputs()).isEmpty();
            assertThat(h.drainInvocations()).isEmpty();
            assertThat(h.metrics.registry().get("deja.redeliveries").counter().count()).isEqualTo(6);
        }
    }

    @Test
    void shouldNotAnswerARedeliveryAgainWhenTheActionVersionChangedInBetween() {
        try (DedupHarness h = new DedupHarness(Map.of())) {
            // given
            String event = MinioFixtures.created("photos", "cat.png", MD5, 1234, "187A9E2C9B5D3A10");
            h.send("photos/cat.png", event);
            h.succeed(h.drainInvocations().get(0), THUMB);
            h.drainOutputs();

            // when: the action is updated, then MinIO redelivers the event
            h.versions.put("thumbnail", "0.0.4");
            h.send("photos/cat.png", event);

            // then: no second call and no second output for that upload
            assertThat(h.drainInvocations()).isEmpty();
            assertThat(h.drainOutputs()).isEmpty();
        }
    }

    @Test
    void shouldNotAnswerFromTheReplicaOnceATombstoneReachesIt() {
        try (DedupHarness h = new DedupHarness(Map.of())) {
            // given: a DONE entry the replica has answered from (and keeps decoded)
            h.upload("photos", "cat.png", MD5);
            InvocationRequest request = h.drainInvocations().get(0);
            h.succeed(request, THUMB);
            h.upload("photos", "cat-again.png", MD5);
            h.toDedup.readValuesToList();
            assertThat(h.drainOutputs()).extracting(OutputRecord::outcome).containsExactly(Outcome.INVOKED, Outcome.CACHED);

            // when: a tombstone for the key reaches the table topic
            TestInputTopic<String, TableEntry> table = h.driver.createInputTopic("deja-table", Serdes.String().serializer(),
                    JsonSerde.of(TableEntry.class).serializer());
            table.pipeInput(request.dedupKey(), null);
            h.upload("photos", "cat-third.png", MD5);

            // then: the replica did not answer; the upload went to the dedup processor, which owns the entry
            assertThat(h.toDedup.readValuesToList()).filteredOn(input -> input.upload() != null).hasSize(1);
        }
    }

    @Test
    void shouldLeaveAnEntryNearItsExpiryToTheDedupProcessor() {
        try (DedupHarness h = new DedupHarness(Map.of("deja.entry.ttl.ms", "3600000"))) {
            // given
            h.upload("photos", "cat.png", MD5);
            h.succeed(h.drainInvocations().get(0), THUMB);
            h.upload("photos", "cat-again.png", MD5);
            h.toDedup.readValuesToList();
            assertThat(h.drainTable().values()).allSatisfy(e -> assertThat(e.expiresAtMs())
                    .isEqualTo(DedupHarness.START.toEpochMilli() + 3_600_000));

            // when: within a minute of the expiry its owner published
            h.advance(Duration.ofMinutes(59).plusSeconds(30));
            h.upload("photos", "cat-late.png", MD5);

            // then: the replica leaves it to the owner, whose clock decides (not expired yet: CACHED)
            assertThat(h.toDedup.readValuesToList()).filteredOn(input -> input.upload() != null).hasSize(1);
            assertThat(h.drainOutputs()).extracting(OutputRecord::outcome).containsExactly(Outcome.INVOKED, Outcome.CACHED,
                    Outcome.CACHED);
        }
    }

    @Test
    void shouldRetryAFailedContentWithTheNewestUploadOfIt() {
        try (DedupHarness h = new DedupHarness(Map.of("deja.failure.cooldown.ms", "60000"))) {
            // given: the first upload's call failed (its object was overwritten, say)
            h.upload("photos", "first.png", MD5);
            h.fail(h.drainInvocations().get(0), "object changed since the event");

            // when: the same content is uploaded at another path, and the cool-down ends
            h.advance(Duration.ofSeconds(10));
            h.upload("photos", "copy.png", MD5);
            h.advance(Duration.ofSeconds(51));

            // then: the retry reads the newest upload's object
            assertThat(h.drainInvocations()).singleElement().satisfies(r ->
                    assertThat(r.params().get("key").asText()).isEqualTo("copy.png"));
        }
    }

    @Test
    void shouldKeepTheStoredEntryAndItsTimerInAgreementWhenACacheHitMovesTheTimer() {
        try (DedupHarness h = new DedupHarness(Map.of("deja.release.batch", "1", "deja.table.replica.enabled", "false"))) {
            // given: three uploads coalesced on one call, whose result is released one waiter at a time
            h.upload("photos", "a.png", MD5);
            h.upload("photos", "b.png", MD5);
            h.upload("photos", "c.png", MD5);
            InvocationRequest request = h.drainInvocations().get(0);
            h.succeed(request, THUMB);

            // when: a cache hit arrives before the next release (which it moves to its own time)
            h.advance(Duration.ofMillis(1));
            h.upload("photos", "d.png", MD5);

            // then: what a crash after this commit would restart from has a timer for the releases left
            TableEntry stored = h.tableStore().get(request.dedupKey());
            KeyValueStore<String, String> timers = h.driver.getKeyValueStore(DejaTopology.TIMERS_STORE);
            assertThat(stored.releaseEnd()).as("still releasing").isPositive();
            assertThat(timers.get(DedupProcessor.timerKey(stored.deadlineMs(), request.dedupKey()))).isEqualTo(request.dedupKey());
        }
    }

    private static String md5(int i) {
        return String.format("%032x", 0xabc000L + i);
    }
}
