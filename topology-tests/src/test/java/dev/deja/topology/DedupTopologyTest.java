package dev.deja.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.deja.model.EntryStatus;
import dev.deja.model.InvocationRequest;
import dev.deja.model.Outcome;
import dev.deja.model.OutputRecord;
import dev.deja.model.TableEntry;
import dev.deja.serde.Json;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DedupTopologyTest {

    private static final String MD5 = "9e107d9d372bb6826bd81d3542a419d6";
    private static final String OTHER_MD5 = "e4d909c290d0fb1ca068ffaddf22cbd0";
    private static final String THUMB = "{\"thumbnail\":\"s3://thumbnails/thumbs/ab12.png\",\"width\":128}";

    @Test
    void shouldInvokeOnceAndAnswerWithTheResultWhenContentIsFirstSeen() {
        try (DedupHarness h = new DedupHarness(Map.of())) {
            // given
            h.upload("photos", "cat.png", MD5);
            List<InvocationRequest> requests = h.drainInvocations();

            // when
            h.succeed(requests.get(0), THUMB);

            // then
            assertThat(requests).hasSize(1);
            InvocationRequest request = requests.get(0);
            assertThat(request.dedupKey()).matches("thumbnail@0\\.0\\.3#[0-9a-f]{16}:" + MD5);
            assertThat(request.params().get("bucket").asText()).isEqualTo("photos");
            assertThat(request.params().get("key").asText()).isEqualTo("cat.png");
            assertThat(request.params().get("width").asInt()).isEqualTo(128);
            List<OutputRecord> outputs = h.drainOutputs();
            assertThat(outputs).singleElement().satisfies(out -> {
                assertThat(out.outcome()).isEqualTo(Outcome.INVOKED);
                assertThat(out.object().path()).isEqualTo("photos/cat.png");
                assertThat(out.contentMd5()).isEqualTo(MD5);
                assertThat(out.actionVersion()).isEqualTo("0.0.3");
                assertThat(out.result()).isEqualTo(Json.parse(THUMB));
                assertThat(out.activationId()).isEqualTo("act-1");
                assertThat(out.durationMs()).isEqualTo(420L);
            });
            assertThat(h.drainTable().get(request.dedupKey()).status()).isEqualTo(EntryStatus.DONE);
        }
    }

    @Test
    void shouldCoalesceOneHundredUploadsOntoOneRequestWhenContentIsPending() {
        try (DedupHarness h = new DedupHarness(Map.of("deja.release.batch", "30"))) {
            // given
            IntStream.range(0, 100).forEach(i -> h.upload("photos", "copy-" + i + ".png", MD5));
            List<InvocationRequest> requests = h.drainInvocations();
            assertThat(requests).hasSize(1);
            assertThat(h.drainOutputs()).isEmpty();

            // when
            h.succeed(requests.get(0), THUMB);
            List<OutputRecord> first = h.drainOutputs();
            IntStream.range(0, 3).forEach(i -> h.advance(Duration.ofMillis(100)));

            // then: 30 at once, the rest on the next punctuations, one each, the first one INVOKED
            assertThat(first).hasSize(30);
            List<OutputRecord> all = new java.util.ArrayList<>(first);
            all.addAll(h.drainOutputs());
            assertThat(all).hasSize(100);
            assertThat(all).extracting(out -> out.object().key()).doesNotHaveDuplicates();
            assertThat(all).filteredOn(out -> out.outcome() == Outcome.INVOKED).singleElement()
                    .satisfies(out -> assertThat(out.object().key()).isEqualTo("copy-0.png"));
            assertThat(all).filteredOn(out -> out.outcome() == Outcome.COALESCED).hasSize(99);
            assertThat(all).allSatisfy(out -> assertThat(out.result()).isEqualTo(Json.parse(THUMB)));
            assertThat(h.drainInvocations()).isEmpty();
            TableEntry entry = h.tableStore().get(requests.get(0).dedupKey());
            assertThat(entry.waiting()).isZero();
            assertThat(entry.hits()).isEqualTo(99);
            assertThat(entry.samples()).hasSize(TableEntry.MAX_SAMPLES);
            assertThat(h.metrics.count(Outcome.INVOKED)).isEqualTo(1);
            assertThat(h.metrics.count(Outcome.COALESCED)).isEqualTo(99);
            assertThat(h.metrics.registry().get("deja.invocations.saved").counter().count()).isEqualTo(99);
            assertThat(h.metrics.registry().get("deja.uploads.within.sla").counter().count()).isEqualTo(100);
            assertThat(h.metrics.registry().get("deja.compute.saved").counter().count()).isEqualTo(99 * 0.420, within(1e-9));
        }
    }

    @Test
    void shouldServeTheKeptResultWithoutACallWhenContentIsDone() {
        try (DedupHarness h = new DedupHarness(Map.of())) {
            // given
            h.upload("photos", "cat.png", MD5);
            h.succeed(h.drainInvocations().get(0), THUMB);
            h.drainOutputs();

            // when
            h.upload("photos", "cat-again.png", MD5);

            // then
            assertThat(h.drainInvocations()).isEmpty();
            assertThat(h.drainOutputs()).singleElement().satisfies(out -> {
                assertThat(out.outcome()).isEqualTo(Outcome.CACHED);
                assertThat(out.object().key()).isEqualTo("cat-again.png");
                assertThat(out.result()).isEqualTo(Json.parse(THUMB));
                assertThat(out.activationId()).isEqualTo("act-1");
            });
        }
    }

    @Test
    void shouldCountCacheHitsInTheTableWithinTwoPublishIntervals() {
        try (DedupHarness h = new DedupHarness(Map.of("deja.hits.publish.interval.ms", "1000"))) {
            // given
            h.upload("photos", "cat.png", MD5);
            InvocationRequest request = h.drainInvocations().get(0);
            h.succeed(request, THUMB);
            h.drainOutputs();
            h.drainTable();

            // when
            IntStream.range(0, 3).forEach(i -> h.upload("photos", "cat-" + i + ".png", MD5));
            h.advance(Duration.ofMillis(1000));
            h.advance(Duration.ofMillis(1000));

            // then
            assertThat(h.drainOutputs()).extracting(OutputRecord::outcome).containsOnly(Outcome.CACHED).hasSize(3);
            assertThat(h.tableStore().get(request.dedupKey()).hits()).isEqualTo(3);
            assertThat(h.drainTable().get(request.dedupKey())).satisfies(entry -> {
                assertThat(entry.hits()).isEqualTo(3);
                assertThat(entry.status()).isEqualTo(EntryStatus.DONE);
                assertThat(entry.result()).isEqualTo(Json.parse(THUMB));
            });
        }
    }

    @Test
    void shouldPublishEachHitContentOncePerIntervalHoweverOftenItIsHit() {
        // Five entries per punctuation: a round of publishing takes three of them for 12 contents.
        try (DedupHarness h = new DedupHarness(Map.of("deja.hits.publish.interval.ms", "10000", "deja.punctuate.max.items", "5"))) {
            // given: 12 contents DONE
            List<String> md5s = IntStream.rangeClosed(1, 12).mapToObj(i -> String.format("%032x", i)).toList();
            md5s.forEach(md5 -> h.upload("photos", "first-" + md5 + ".png", md5));
            h.drainInvocations().forEach(request -> h.succeed(request, THUMB));
            h.drainOutputs();
            h.drainTable();

            // when: each is hit three times, then an interval and a few punctuations pass
            for (int round = 0; round < 3; round++) {
                int r = round;
                md5s.forEach(md5 -> h.upload("photos", "copy-" + r + "-" + md5 + ".png", md5));
            }
            h.advance(Duration.ofMillis(10_000));
            h.advance(Duration.ofMillis(10_000));
            IntStream.range(0, 4).forEach(i -> h.advance(Duration.ofMillis(100)));

            // then: within two intervals, one record per content on the table topic, with all three hits; none per hit
            assertThat(h.drainOutputs()).extracting(OutputRecord::outcome).hasSize(36).containsOnly(Outcome.CACHED);
            List<KeyValue<String, TableEntry>> published = h.table.readKeyValuesToList();
            assertThat(published).hasSize(12);
            assertThat(published).extracting(kv -> kv.value.hits()).containsOnly(3L);
            assertThat(published).extracting(kv -> kv.key).doesNotHaveDuplicates();

            // when: hit again, within the interval
            md5s.forEach(md5 -> h.upload("photos", "late-" + md5 + ".png", md5));
            IntStream.range(0, 5).forEach(i -> h.advance(Duration.ofMillis(100)));

            // then: nothing yet, and one record each again within two intervals
            assertThat(h.table.readKeyValuesToList()).isEmpty();
            h.advance(Duration.ofMillis(10_000));
            h.advance(Duration.ofMillis(10_000));
            IntStream.range(0, 4).forEach(i -> h.advance(Duration.ofMillis(100)));
            assertThat(h.table.readKeyValuesToList()).hasSize(12).extracting(kv -> kv.value.hits()).containsOnly(4L);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldAnswerCacheHitsBeforeTheRepartitionWhenTheReplicaIsOn(boolean replica) {
        try (DedupHarness h = new DedupHarness(Map.of("deja.table.replica.enabled", String.valueOf(replica)))) {
            // given
            h.upload("photos", "cat.png", MD5);
            h.succeed(h.drainInvocations().get(0), THUMB);
            h.drainOutputs();
            h.toDedup.readValuesToList();

            // when
            h.upload("photos", "cat-again.png", MD5);

            // then: answered CACHED either way; with the replica, nothing crossed the repartition topic
            assertThat(h.drainOutputs()).extracting(OutputRecord::outcome).containsExactly(Outcome.CACHED);
            assertThat(h.toDedup.readValuesToList()).hasSize(replica ? 0 : 1);
        }
    }

    @Test
    void shouldStoreUnsavedHitCountsWhenTheEntryCacheDropsAnEntry() {
        // Without the replica every cache hit reaches the dedup processor.
        try (DedupHarness h = new DedupHarness(Map.of("deja.table.cache.entries", "1", "deja.table.replica.enabled", "false"))) {
            // given
            h.upload("photos", "cat.png", MD5);
            InvocationRequest request = h.drainInvocations().get(0);
            h.succeed(request, THUMB);
            h.upload("photos", "cat-again.png", MD5);

            // when: another key takes the only cache slot before any punctuation
            h.upload("photos", "dog.png", OTHER_MD5);

            // then
            assertThat(h.tableStore().get(request.dedupKey()).hits()).isEqualTo(1);
        }
    }

    @Test
    void shouldInvokeEachActionWhenTwoRulesMatchTheSameContent() {
        try (DedupHarness h = new DedupHarness(Map.of("deja.rules", "thumbs,ocr", "deja.rule.ocr.action", "ocr",
                "deja.rule.ocr.suffix", ".png"))) {
            // when
            h.upload("photos", "cat.png", MD5);
            h.upload("photos", "cat-copy.png", MD5);

            // then
            List<InvocationRequest> requests = h.drainInvocations();
            assertThat(requests).extracting(InvocationRequest::action).containsExactlyInAnyOrder("thumbnail", "ocr");
            assertThat(requests).extracting(InvocationRequest::dedupKey).doesNotHaveDuplicates();
            requests.forEach(r -> h.succeed(r, "{\"ok\":true}"));
            assertThat(h.drainOutputs()).extracting(OutputRecord::rule, OutputRecord::outcome).containsExactlyInAnyOrder(
                    org.assertj.core.groups.Tuple.tuple("thumbs", Outcome.INVOKED),
                    org.assertj.core.groups.Tuple.tuple("thumbs", Outcome.COALESCED),
                    org.assertj.core.groups.Tuple.tuple("ocr", Outcome.INVOKED),
                    org.assertj.core.groups.Tuple.tuple("ocr", Outcome.COALESCED));
        }
    }

    @Test
    void shouldInvokeAgainWhenTheActionVersionChanges() {
        try (DedupHarness h = new DedupHarness(Map.of())) {
            // given
            h.upload("photos", "cat.png", MD5);
            InvocationRequest old = h.drainInvocations().get(0);
            h.succeed(old, THUMB);

            // when
            h.versions.put("thumbnail", "0.0.4");
            h.upload("photos", "cat.png", MD5);

            // then
            List<InvocationRequest> requests = h.drainInvocations();
            assertThat(requests).singleElement().satisfies(r -> {
                assertThat(r.actionVersion()).isEqualTo("0.0.4");
                assertThat(r.dedupKey()).startsWith("thumbnail@0.0.4#").isNotEqualTo(old.dedupKey());
            });
        }
    }

    @Test
    void shouldDeliverFailuresAndReinvokeAfterTheCooldownWhenACallFails() {
        try (DedupHarness h = new DedupHarness(Map.of("deja.failure.cooldown.ms", "60000"))) {
            // given: two uploads wait on a call that fails
            h.upload("photos", "a.png", MD5);
            h.upload("photos", "b.png", MD5);
            InvocationRequest first = h.drainInvocations().get(0);
            h.fail(first, "cannot decode image");
            assertThat(h.drainOutputs()).hasSize(2).allSatisfy(out -> {
                assertThat(out.outcome()).isEqualTo(Outcome.FAILED);
                assertThat(out.error()).isEqualTo("cannot decode image");
                assertThat(out.result()).isNull();
            });

            // when: a third upload comes during the cool-down
            h.advance(Duration.ofSeconds(10));
            h.upload("photos", "c.png", MD5);

            // then: it waits, not served the failure, and no call is made yet
            assertThat(h.drainOutputs()).isEmpty();
            assertThat(h.drainInvocations()).isEmpty();

            // when: the cool-down passes
            h.advance(Duration.ofSeconds(51));

            // then: one new call, whose success answers the waiting upload
            List<InvocationRequest> again = h.drainInvocations();
            assertThat(again).singleElement().satisfies(r -> assertThat(r.attempt()).isEqualTo(2));
            h.succeed(again.get(0), THUMB);
            assertThat(h.drainOutputs()).singleElement().satisfies(out -> {
                assertThat(out.object().key()).isEqualTo("c.png");
                assertThat(out.outcome()).isEqualTo(Outcome.INVOKED);
            });
        }
    }

    @Test
    void shouldMarkTheUploadThatCausesTheRetryInvokedWhenItArrivesWhileFailuresAreReleased() {
        try (DedupHarness h = new DedupHarness(Map.of("deja.release.batch", "2", "deja.failure.cooldown.ms", "1000"))) {
            // given: five uploads fail; their FAILED outputs go out two at a time
            IntStream.range(0, 5).forEach(i -> h.upload("photos", "a" + i + ".png", MD5));
            h.fail(h.drainInvocations().get(0), "boom");
            assertThat(h.drainOutputs()).hasSize(2);

            // when: an upload arrives during the release, then the cool-down passes
            h.upload("photos", "late.png", MD5);
            IntStream.range(0, 3).forEach(i -> h.advance(Duration.ofMillis(100)));
            assertThat(h.drainOutputs()).hasSize(3).allSatisfy(out -> assertThat(out.outcome()).isEqualTo(Outcome.FAILED));
            h.advance(Duration.ofSeconds(1));

            // then: it waited for a new call, and that call is its own
            List<InvocationRequest> retry = h.drainInvocations();
            assertThat(retry).singleElement().satisfies(r -> assertThat(r.attempt()).isEqualTo(2));
            h.succeed(retry.get(0), THUMB);
            assertThat(h.drainOutputs()).singleElement().satisfies(out -> {
                assertThat(out.object().key()).isEqualTo("late.png");
                assertThat(out.outcome()).isEqualTo(Outcome.INVOKED);
            });
        }
    }

    @Test
    void shouldReinvokeAtOnceWhenAFailedEntryIsPastItsCooldown() {
        try (DedupHarness h = new DedupHarness(Map.of("deja.failure.cooldown.ms", "1000"))) {
            h.upload("photos", "a.png", MD5);
            h.fail(h.drainInvocations().get(0), "boom");
            h.drainOutputs();

            h.advance(Duration.ofSeconds(2));
            h.upload("photos", "b.png", MD5);

            assertThat(h.drainInvocations()).singleElement().satisfies(r -> assertThat(r.attempt()).isEqualTo(2));
        }
    }

    @Test
    void shouldSendTheRequestAgainUnderTheSameAttemptWhenPendingTooLong() {
        try (DedupHarness h = new DedupHarness(Map.of("deja.pending.timeout.ms", "30000"))) {
            // given
            h.upload("photos", "a.png", MD5);
            InvocationRequest lost = h.drainInvocations().get(0);

            // when
            h.advance(Duration.ofSeconds(20));
            assertThat(h.drainInvocations()).isEmpty();
            h.advance(Duration.ofSeconds(11));

            // then
            List<InvocationRequest> reissued = h.drainInvocations();
            assertThat(reissued).singleElement().satisfies(r -> {
                assertThat(r.dedupKey()).isEqualTo(lost.dedupKey());
                assertThat(r.attempt()).as("the invoker answers a re-sent attempt from its call").isEqualTo(lost.attempt());
            });
            h.succeed(reissued.get(0), THUMB);
            h.succeed(lost, THUMB);
            assertThat(h.drainOutputs()).singleElement().satisfies(out -> assertThat(out.outcome()).isEqualTo(Outcome.INVOKED));
        }
    }

    @Test
    void shouldIgnoreAStaleAttemptsResultWhenANewerAttemptIsPending() {
        try (DedupHarness h = new DedupHarness(Map.of("deja.failure.cooldown.ms", "1000"))) {
            // given: attempt 1 failed, a new upload after the cool-down made attempt 2
            h.upload("photos", "a.png", MD5);
            InvocationRequest first = h.drainInvocations().get(0);
            h.fail(first, "boom");
            h.drainOutputs();
            h.advance(Duration.ofSeconds(2));
            h.upload("photos", "b.png", MD5);
            InvocationRequest second = h.drainInvocations().get(0);
            assertThat(second.attempt()).isEqualTo(first.attempt() + 1);

            // when: a late success of attempt 1 arrives
            h.succeed(first, THUMB);

            // then: it settles nothing; attempt 2's own result does
            assertThat(h.drainOutputs()).isEmpty();
            h.succeed(second, THUMB);
            assertThat(h.drainOutputs()).singleElement().satisfies(out -> assertThat(out.outcome()).isEqualTo(Outcome.INVOKED));
        }
    }

    @Test
    void shouldTombstoneAndInvokeAgainWhenAnEntryOutlivesItsTtl() {
        try (DedupHarness h = new DedupHarness(Map.of("deja.entry.ttl.ms", "3600000"))) {
            // given
            h.upload("photos", "a.png", MD5);
            InvocationRequest request = h.drainInvocations().get(0);
            h.succeed(request, THUMB);
            h.drainTable();

            // when
            h.advance(Duration.ofMinutes(61));

            // then
            assertThat(h.table.readKeyValuesToList()).singleElement().satisfies(kv -> {
                assertThat(kv.key).isEqualTo(request.dedupKey());
                assertThat(kv.value).isNull();
            });
            assertThat(h.tableStore().get(request.dedupKey())).isNull();
            h.upload("photos", "a-again.png", MD5);
            assertThat(h.drainInvocations()).singleElement().satisfies(again -> assertThat(again.callId())
                    .as("a new call, not one the invoker would answer from the old activation").isNotEqualTo(request.callId()));
        }
    }

    @Test
    void shouldNotAnswerTwiceWhenMinioRedeliversTheSameEvent() {
        try (DedupHarness h = new DedupHarness(Map.of())) {
            // given: MinIO delivers the same event twice while the call is pending, and once more after
            String event = MinioFixtures.created("photos", "cat.png", MD5, 1234, "187A9E2C9B5D3A10");
            h.send("photos/cat.png", event);
            h.send("photos/cat.png", event);
            InvocationRequest request = h.drainInvocations().get(0);
            h.succeed(request, THUMB);
            h.advance(Duration.ofMinutes(5));

            // when: a redelivery minutes later (a newer Kafka timestamp), answerable from the table
            h.send("photos/cat.png", event);

            // then: one call, one output for that upload
            assertThat(h.drainInvocations()).isEmpty();
            assertThat(h.drainOutputs()).singleElement().satisfies(out -> assertThat(out.outcome()).isEqualTo(Outcome.INVOKED));
        }
    }

    @Test
    void shouldWriteTheSeenUploadsToTheChangelogByTheCommitAChunkAtATime() {
        try (DedupHarness h = new DedupHarness(Map.of())) {
            TestOutputTopic<byte[], byte[]> changelog = h.driver.createOutputTopic(
                    "deja-test-" + DejaTopology.SEEN_STORE + "-changelog", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer());

            // when: two uploads of the same second, each committed (the driver commits after every input record)
            h.send("photos/cat.png", MinioFixtures.created("photos", "cat.png", MD5, 1234, "187A9E2C9B5D3A10"));
            h.send("photos/dog.png", MinioFixtures.created("photos", "dog.png", OTHER_MD5, 1234, "187A9E2C9B5D3A11"));

            // then: each is in the changelog, a 16-byte fingerprint in a chunk written by its commit
            assertThat(changelog.readValuesToList()).hasSize(2).allSatisfy(chunk -> assertThat(chunk).hasSize(16));

            // and a redelivery is found there, and writes nothing
            h.send("photos/cat.png", MinioFixtures.created("photos", "cat.png", MD5, 1234, "187A9E2C9B5D3A10"));
            assertThat(h.metrics.registry().get("deja.redeliveries").counter().count()).isEqualTo(1);
            assertThat(changelog.isEmpty()).isTrue();
        }
    }

    @Test
    void shouldReadAnEventWhoseJsonHoldsTextBeyondAscii() {
        try (DedupHarness h = new DedupHarness(Map.of())) {
            String event = MinioFixtures.created("photos", "cat.png", MD5, 1234, "187A9E2C9B5D3A10")
                    .replace("\"principalId\":\"minioadmin\"", "\"principalId\":\"mïnio-管理\"");

            h.send("photos/cat.png", event);

            assertThat(h.drainInvocations()).hasSize(1);
            assertThat(h.dlq.isEmpty()).isTrue();
        }
    }

    @Test
    void shouldDecodeUrlEncodedKeysWhenKeyingOutputs() {
        try (DedupHarness h = new DedupHarness(Map.of())) {
            h.upload("photos", "holiday 2026/cat+dog ü.png", MD5);
            h.succeed(h.drainInvocations().get(0), THUMB);

            assertThat(h.drainOutputRecords()).singleElement().satisfies(rec -> {
                assertThat(rec.key()).isEqualTo("photos/holiday 2026/cat+dog ü.png");
                assertThat(rec.value().object().key()).isEqualTo("holiday 2026/cat+dog ü.png");
            });
        }
    }

    @Test
    void shouldIgnoreRemoveEventsWhenNoRuleAsksForThem() {
        try (DedupHarness h = new DedupHarness(Map.of())) {
            h.send("photos/cat.png", MinioFixtures.removed("photos", "cat.png", "187A9E2C9B5D3A11"));

            assertThat(h.drainInvocations()).isEmpty();
            assertThat(h.drainOutputs()).isEmpty();
            assertThat(h.dlq.isEmpty()).isTrue();
        }
    }

    @Test
    void shouldInvokeOncePerRemovalWhenARuleAsksForRemoveEvents() {
        try (DedupHarness h = new DedupHarness(Map.of("deja.rules", "cleanup", "deja.rule.cleanup.action", "purge",
                "deja.rule.cleanup.events", "s3:ObjectRemoved:*"))) {
            h.versions.put("purge", "1");
            String event = MinioFixtures.removed("photos", "cat.png", "187A9E2C9B5D3A11");
            h.send("photos/cat.png", event);
            h.send("photos/cat.png", event);
            h.send("photos/cat.png", MinioFixtures.removed("photos", "cat.png", "187A9E2C9B5D3A12"));

            assertThat(h.drainInvocations()).hasSize(2).allSatisfy(r -> assertThat(r.action()).isEqualTo("purge"));
        }
    }

    @Test
    void shouldKeyDifferentContentApartWhenUploadsShareAName() {
        try (DedupHarness h = new DedupHarness(Map.of())) {
            h.upload("photos", "cat.png", MD5);
            h.upload("photos", "cat.png", OTHER_MD5);

            assertThat(h.drainInvocations()).hasSize(2);
        }
    }

    @Test
    void shouldIgnoreUploadsNoRuleMatches() {
        try (DedupHarness h = new DedupHarness(Map.of())) {
            h.upload("documents", "cat.png", MD5);

            assertThat(h.drainInvocations()).isEmpty();
            assertThat(h.drainOutputs()).isEmpty();
        }
    }
}
