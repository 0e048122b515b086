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
    private static final String KEY = "thumbnail@0.0.3#a1b2c3:9e107d9d372bb6826bd81d3542a419d6";

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

        assertThat(seen.firstSeen(KEY, "photos/cat.png@1", SECOND + 10)).isTrue();
        assertThat(seen.firstSeen(KEY, "photos/cat.png@1", SECOND + 10)).as("the redelivery").isFalse();
        assertThat(seen.firstSeen(KEY, "photos/cat.png@2", SECOND + 10)).as("the next upload of the object").isTrue();
        assertThat(seen.firstSeen("resize@1#000000:9e107d9d372bb6826bd81d3542a419d6", "photos/cat.png@1", SECOND + 10))
                .as("the same event for another rule").isTrue();
    }

    @Test
    void shouldWriteTheUploadsOfOneSecondAChunkAtATime() {
        SeenStore seen = start();
        int uploads = 2_000;
        int chunks = uploads / SeenStore.CHUNK_IDS;

        assertThat(IntStream.range(0, uploads).allMatch(i -> seen.firstSeen(KEY, "photos/" + i + ".png@1", SECOND + i % 1000)))
                .isTrue();
        assertThat(entries()).as("full chunks are written at once").isBetween((long) chunks - SeenStore.BUCKETS, (long) chunks);
        assertThat(IntStream.range(0, uploads).noneMatch(i -> seen.firstSeen(KEY, "photos/" + i + ".png@1", SECOND + i % 1000)))
                .as("every redelivery is found, written or not").isTrue();

        seen.flushCache();

        assertThat(entries()).as("the commit writes the rest: at most one part-filled chunk per bucket")
                .isBetween((long) chunks, (long) chunks + SeenStore.BUCKETS);
        assertThat(IntStream.range(0, uploads).allMatch(i -> seen.firstSeen(KEY, "photos/" + i + ".png@2", SECOND + i % 1000)))
                .as("new uploads of the same second, some of which the filter cannot rule out, are new").isTrue();
    }

    @Test
    void shouldFindEveryUploadWrittenByTheCommitAfterTheTaskStartsAgain() {
        SeenStore before = start();
        IntStream.range(0, 100).forEach(i -> before.firstSeen(KEY, "photos/" + i + ".png@1", SECOND));
        before.flushCache();
        IntStream.range(100, 200).forEach(i -> before.firstSeen(KEY, "photos/" + i + ".png@1", SECOND + 999));
        before.flushCache();

        SeenStore after = start();

        assertThat(after.size()).isEqualTo(200);
        assertThat(IntStream.range(0, 200).noneMatch(i -> after.firstSeen(KEY, "photos/" + i + ".png@1", SECOND + (i < 100 ? 0 : 999))))
                .isTrue();
        assertThat(after.firstSeen(KEY, "photos/200.png@1", SECOND)).isTrue();
    }

    @Test
    void shouldWriteEverythingOnceTheChunksBeingFilledHoldTheirLimit() {
        SeenStore before = start();
        // one upload per second and bucket, mostly: every chunk stays part-filled
        IntStream.range(0, SeenStore.MAX_OPEN_IDS).forEach(i -> before.firstSeen(KEY, "photos/" + i + ".png@1", SECOND + 1000L * (i % 3000)));

        SeenStore after = start();

        assertThat(after.size()).as("written with no commit").isEqualTo(SeenStore.MAX_OPEN_IDS);
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
