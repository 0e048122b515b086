package dev.deja.topology.redelivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deja.topology.DejaTopology;
import java.io.File;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.stream.IntStream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The redelivery memory: exact answers, a write per chunk of uploads rather than per upload, and
 * every upload written by the commit, so a task that starts again finds it.
 */
class SeenStoreTest {

    private static final Duration WINDOW = Duration.ofHours(1);
    private static final long SECOND = Instant.parse("2026-11-23T10:15:31Z").toEpochMilli();
    private static final String KEY = "thumbs";

    @TempDir
    File stateDir;

    private WindowStore<String, byte[]> rocks;
    private MockProcessorContext<String, Object> context;

    @BeforeEach
    void open() {
        rocks = Stores.windowStoreBuilder(Stores.persistentWindowStore(DejaTopology.SEEN_STORE, WINDOW, Duration.ofMillis(1), false),
                Serdes.String(), Serdes.ByteArray()).withLoggingDisabled().build();
        Properties props = new Properties();
        props.put("application.id", "deja-test");
        props.put("bootstrap.servers", "test:9092");
        context = new MockProcessorContext<>(props, new TaskId(0, 0), stateDir);
    }

    @AfterEach
    void close() {
        rocks.close();
    }

    @Test
    void shouldSeeAnUploadOnceAndTellOtherEventsAndRulesApart() {
        SeenStore seen = start();

        assertThat(seen.firstSeen(KEY, "photos/cat.png@1", SECOND + 10, null)).isTrue();
        assertThat(seen.firstSeen(KEY, "photos/cat.png@1", SECOND + 10, null)).as("the redelivery").isFalse();
        assertThat(seen.firstSeen(KEY, "photos/cat.png@2", SECOND + 10, null)).as("the next upload of the object").isTrue();
        assertThat(seen.firstSeen("small-thumbs", "photos/cat.png@1", SECOND + 10, null))
                .as("the same event for another rule").isTrue();
    }

    @Test
    void shouldWriteTheUploadsOfOneSecondAChunkAtATime() {
        SeenStore seen = start();
        int uploads = 2_000;
        int chunks = uploads / SeenStore.CHUNK_IDS;

        assertThat(IntStream.range(0, uploads).allMatch(i -> seen.firstSeen(KEY, "photos/" + i + ".png@1", SECOND + i % 1000, null)))
                .isTrue();
        assertThat(entries()).as("full chunks are written at once").isBetween((long) chunks - SeenStore.BUCKETS, (long) chunks);
        assertThat(IntStream.range(0, uploads).noneMatch(i -> seen.firstSeen(KEY, "photos/" + i + ".png@1", SECOND + i % 1000, null)))
                .as("every redelivery is found, written or not").isTrue();

        seen.flushCache();

        assertThat(entries()).as("the commit writes the rest: at most one part-filled chunk per bucket")
                .isBetween((long) chunks, (long) chunks + SeenStore.BUCKETS);
        assertThat(IntStream.range(0, uploads).allMatch(i -> seen.firstSeen(KEY, "photos/" + i + ".png@2", SECOND + i % 1000, null)))
                .as("new uploads of the same second, some of which the filter cannot rule out, are new").isTrue();
    }

    @Test
    void shouldFindEveryUploadWrittenByTheCommitAfterTheTaskStartsAgain() {
        SeenStore before = start();
        IntStream.range(0, 100).forEach(i -> before.firstSeen(KEY, "photos/" + i + ".png@1", SECOND, null));
        before.flushCache();
        IntStream.range(100, 200).forEach(i -> before.firstSeen(KEY, "photos/" + i + ".png@1", SECOND + 999, null));
        before.flushCache();

        SeenStore after = start();

        assertThat(after.size()).isEqualTo(200);
        assertThat(IntStream.range(0, 200).noneMatch(i -> after.firstSeen(KEY, "photos/" + i + ".png@1", SECOND + (i < 100 ? 0 : 999), null)))
                .isTrue();
        assertThat(after.firstSeen(KEY, "photos/200.png@1", SECOND, null)).isTrue();
    }

    @Test
    void shouldWriteEverythingOnceTheChunksBeingFilledHoldTheirLimit() {
        SeenStore before = start();
        // one upload per second and bucket, mostly: every chunk stays part-filled (all within half a window)
        IntStream.range(0, SeenStore.MAX_OPEN_IDS).forEach(i -> before.firstSeen(KEY, "photos/" + i + ".png@1", SECOND + 1000L * (i % 1500), null));

        SeenStore after = start();

        assertThat(after.size()).as("written with no commit").isEqualTo(SeenStore.MAX_OPEN_IDS);
    }

    @Test
    void shouldKeepRememberingOtherUploadsAfterAnEventStampedFarInTheFuture() {
        SeenStore seen = start();
        IntStream.range(0, 100).forEach(i -> seen.firstSeen(KEY, "photos/" + i + ".png@1", SECOND + i, null));
        long year9999 = Instant.parse("9999-12-31T23:59:59Z").toEpochMilli();

        assertThat(seen.firstSeen(KEY, "photos/future.png@1", SECOND + 100, year9999)).isTrue();
        IntStream.range(100, 200).forEach(i -> seen.firstSeen(KEY, "photos/" + i + ".png@1", SECOND + i, null));
        seen.flushCache();

        assertThat(IntStream.range(0, 200).noneMatch(i -> seen.firstSeen(KEY, "photos/" + i + ".png@1", SECOND + i, null)))
                .as("every redelivery is still found").isTrue();
        assertThat(seen.firstSeen(KEY, "photos/future.png@1", SECOND + 5_000, year9999))
                .as("the far-future event's own redelivery, timed by a later record").isFalse();
        SeenStore after = start();
        assertThat(IntStream.range(0, 200).noneMatch(i -> after.firstSeen(KEY, "photos/" + i + ".png@1", SECOND + i, null)))
                .as("and after a restart, from the store").isTrue();
        assertThat(after.firstSeen(KEY, "photos/future.png@1", SECOND + 9_000, year9999)).isFalse();
    }

    @Test
    void shouldFindARedeliveryWhoseTimeIsTrustedOnceAndNotTheOtherTime() {
        SeenStore seen = start();
        seen.firstSeen(KEY, "photos/late.png@1", SECOND, null);
        seen.firstSeen(KEY, "photos/early.png@1", SECOND + 2_000, SECOND - 7_200_000L);
        seen.flushCache();
        SeenStore after = start();

        assertThat(after.firstSeen(KEY, "photos/late.png@1", SECOND + 7_200_000L, SECOND))
                .as("delivered in band, redelivered two hours later (out of band)").isFalse();
        assertThat(after.firstSeen(KEY, "photos/early.png@1", SECOND - 7_200_000L, null))
                .as("delivered out of band, redelivered in band").isFalse();
    }

    @Test
    void shouldKeepAnUploadOlderThanHalfTheWindowForAWholeWindow() {
        SeenStore seen = start();
        seen.firstSeen(KEY, "photos/now.png@1", SECOND, null);
        long old = SECOND - WINDOW.toMillis() + 1_000;
        seen.firstSeen(KEY, "photos/queued.png@1", old, null);
        // the store's time moves on by most of a window: the old upload's own second is gone from it
        seen.firstSeen(KEY, "photos/later.png@1", SECOND + WINDOW.toMillis() * 9 / 10, null);
        seen.flushCache();

        assertThat(start().firstSeen(KEY, "photos/queued.png@1", old, null)).isFalse();
    }

    @Test
    void shouldNameAChunkThatCannotBeRead() {
        SeenStore seen = start();
        rocks.put(SeenStore.chunkPrefix(SECOND, 7) + "0000000000000001.0", new byte[17], SECOND);

        assertThatThrownBy(seen::load)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(SeenStore.chunkPrefix(SECOND, 7));
    }

    /** The seen store over the RocksDB store, opened as a task that starts (again) opens it. */
    private SeenStore start() {
        if (rocks.isOpen()) {
            rocks.close();
        }
        SeenStore seen = SeenStore.over(rocks, WINDOW);
        seen.init(context.getStateStoreContext(), seen);
        seen.load();
        return seen;
    }

    private long entries() {
        long entries = 0;
        try (KeyValueIterator<?, byte[]> all = rocks.all()) {
            for (; all.hasNext(); all.next()) {
                entries++;
            }
        }
        return entries;
    }
}
