package dev.deja.topology;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.deja.config.DejaConfig;
import dev.deja.model.S3Object;
import dev.deja.model.Upload;
import dev.deja.ops.DejaMetrics;
import dev.deja.topology.redelivery.SeenStore;
import java.io.File;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The redelivery check keeps an in-memory filter in front of its store; a task that starts again
 * (after a crash, a rebalance, a revival) must rebuild it from the store, or it would wave through
 * a redelivery of an event answered before the restart.
 */
class RedeliveryAfterRestartTest {

    private static final String MD5 = "9e107d9d372bb6826bd81d3542a419d6";
    private static final long EVENT_TIME = Instant.parse("2026-11-23T10:15:31Z").toEpochMilli();

    @TempDir
    File stateDir;

    private WindowStore<String, byte[]> rocks;
    private SeenStore seen;
    /** The first task context's: RocksDB's metrics stay with the context that first opened the store. */
    private StateStoreContext storeContext;

    @AfterEach
    void close() {
        if (rocks != null) {
            rocks.close();
        }
    }

    @Test
    void shouldDropARedeliveryOfAnEventAnsweredBeforeTheTaskRestarted() {
        DedupSettings settings = settings();
        rocks = store(settings);
        MockProcessorContext<String, Ingested> before = context(settings);
        CachedAnswerProcessor first = new CachedAnswerProcessor(settings, false, new ReplicaChanges(0), DejaMetrics.discarding(), Map.of());
        first.init(before);
        first.process(upload("187A9E2C9B5D3A10"));
        assertThat(before.forwarded()).as("the first delivery goes on").hasSize(1);
        seen.flushCache(); // the commit
        first.close();

        // when: the task starts again over the same store, and MinIO delivers the event again
        rocks.close();
        MockProcessorContext<String, Ingested> after = context(settings);
        CachedAnswerProcessor restarted = new CachedAnswerProcessor(settings, false, new ReplicaChanges(0), DejaMetrics.discarding(), Map.of());
        restarted.init(after);
        restarted.process(upload("187A9E2C9B5D3A10"));
        restarted.process(upload("187A9E2C9B5D3A11"));

        // then: the redelivery is dropped, the next upload of the object goes on
        assertOnlyForwarded(after, "187A9E2C9B5D3A11");
    }

    private static void assertOnlyForwarded(MockProcessorContext<String, Ingested> context, String sequencer) {
        assertThat(context.forwarded()).as("only the new upload goes on").singleElement().satisfies(forwarded -> assertThat(
                ((Ingested.Onward) forwarded.record().value()).input().upload().object().sequencer())
                .isEqualTo(sequencer));
    }

    private static DedupSettings settings() {
        return DedupSettings.from(DejaConfig.load(null, Map.of(), Map.of(
                "bootstrap.servers", "test:9092", "deja.rules", "thumbs", "deja.rule.thumbs.action", "thumbnail")));
    }

    private static WindowStore<String, byte[]> store(DedupSettings settings) {
        return Stores.windowStoreBuilder(Stores.persistentWindowStore(DejaTopology.SEEN_STORE,
                        Duration.ofMillis(settings.redeliveryWindowMs()), Duration.ofMillis(1), false),
                Serdes.String(), Serdes.ByteArray()).withLoggingDisabled().build();
    }

    /** A task's context over the RocksDB store, opened (again) as the task's seen-events store. */
    private MockProcessorContext<String, Ingested> context(DedupSettings settings) {
        Properties props = new Properties();
        props.put("application.id", "deja-test");
        props.put("bootstrap.servers", "test:9092");
        MockProcessorContext<String, Ingested> context = new MockProcessorContext<>(props, new TaskId(0, 0), stateDir);
        seen = SeenStore.over(rocks, Duration.ofMillis(settings.redeliveryWindowMs()));
        if (storeContext == null) {
            storeContext = context.getStateStoreContext();
        }
        seen.init(storeContext, seen);
        context.addStateStore(seen);
        context.setCurrentSystemTimeMs(EVENT_TIME + 1_000);
        return context;
    }

    private static Record<String, Upload> upload(String sequencer) {
        S3Object object = new S3Object("photos", "cat.png", "s3:ObjectCreated:Put", "2026-11-23T10:15:31.000Z",
                sequencer, MD5, 1234L, null, "image/png", false);
        Upload upload = new Upload(object, "thumbs", "thumbnail", "0.0.3", "a1b2c3", JsonNodeFactory.instance.objectNode(),
                null, null, EVENT_TIME, null).withContentMd5(MD5);
        return new Record<>(upload.dedupKey(), upload, EVENT_TIME);
    }
}
