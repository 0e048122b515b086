package dev.deja.mirror;

import static dev.deja.mirror.Fixtures.assertSameDocs;
import static dev.deja.mirror.Fixtures.changes;
import static dev.deja.mirror.Fixtures.docsWithoutRev;
import static dev.deja.mirror.Fixtures.expectedDocs;
import static dev.deja.mirror.Fixtures.settings;
import static dev.deja.testing.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deja.mirror.Fixtures.TopicRecord;
import dev.deja.serde.Json;
import dev.deja.serde.JsonSerde;
import dev.deja.model.TableEntry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The consumer loop and the rebuild against a real CouchDB-API server (pouchdb-server). Kafka is
 * Kafka's own {@link MockConsumer}: records, pauses, commits and rebalance callbacks behave as the
 * consumer contract says, and the test reads the committed offsets back from it.
 */
class MirrorTest {

    private static final String TOPIC = "deja-table";
    private static final int PARTITIONS = 3;
    private static final String USER = "deja";
    private static final String PASSWORD = "Tr0ub4dor-s3cret-9f2c";
    private static final Serializer<TableEntry> ENTRIES = JsonSerde.of(TableEntry.class).serializer();

    private static PouchServer server;

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final List<Runnable> cleanups = new ArrayList<>();
    private final List<DeadLetterSink.Letter> deadLetters = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeAll
    static void startServer() throws IOException {
        server = PouchServer.inMemory();
        server.createAdmin(USER, PASSWORD);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void captureLogs() {
        logs.start();
        rootLogger().addAppender(logs);
    }

    @AfterEach
    void cleanUp() {
        cleanups.forEach(Runnable::run);
        rootLogger().detachAppender(logs);
    }

    @Test
    void shouldCatchUpWithoutLossWhenCouchIsKilledAndRestarted() throws IOException {
        // given: a persistent CouchDB with the first 1000 table records mirrored and committed
        Path dir = PouchServer.tempDir("pouch-dir");
        PouchServer persistent = PouchServer.persistent(dir);
        cleanups.add(persistent::close);
        persistent.createAdmin(USER, PASSWORD);
        CouchSettings settings = settings(persistent, "outage", USER, PASSWORD);
        CouchClient couch = new CouchClient(settings);
        List<TopicRecord> all = Fixtures.topic(3_000, 400, PARTITIONS, 7);
        List<TopicRecord> first = all.subList(0, 1_000);
        List<TopicRecord> rest = all.subList(1_000, all.size());
        TableConsumer consumer = new TableConsumer();
        Mirror mirror = start(consumer, couch);
        consumer.publish(first);
        until(Duration.ofSeconds(20), () -> committed(consumer).equals(endOffsets(first)), "first part committed");
        assertSameDocs(docsWithoutRev(couch), expectedDocs(changes(first)));

        // when: CouchDB dies, the table moves on, CouchDB comes back on the same port and directory
        persistent.kill();
        consumer.publish(rest);
        until(Duration.ofSeconds(20), () -> mirror.stats().failedAttempts() >= 3, "three failed attempts");
        Map<Integer, Long> committedWhileDown = committed(consumer);
        MirrorStats whileDown = mirror.stats();
        persistent.start();
        until(Duration.ofSeconds(30), () -> committed(consumer).equals(endOffsets(all)), "everything committed");

        // then
        assertThat(committedWhileDown).isEqualTo(endOffsets(first));
        assertThat(whileDown.couchUp()).isFalse();
        assertThat(whileDown.lag()).isPositive();
        assertThat(whileDown.lastError()).contains("failed");
        assertSameDocs(docsWithoutRev(couch), expectedDocs(changes(all)));
        assertThat(mirror.stats().couchUp()).isTrue();
        assertThat(mirror.stats().lag()).isZero();
        assertThat(lines("unavailable")).hasSize(1);
        assertThat(lines("is back")).hasSize(1);
        assertThat(allLogText()).doesNotContain(PASSWORD);
        assertThat(mirror.stats().lastError()).doesNotContain(PASSWORD);
    }

    @Test
    void shouldMatchLiveMirrorWhenRebuiltFromTopic() {
        // given: a live mirror of 3000 table records
        CouchClient couch = new CouchClient(settings(server, "rebuild", USER, PASSWORD).withBatchSize(500));
        List<TopicRecord> topic = Fixtures.topic(3_000, 500, PARTITIONS, 11);
        TableConsumer live = new TableConsumer();
        Mirror mirror = start(live, couch, 500);
        live.publish(topic);
        until(Duration.ofSeconds(30), () -> committed(live).equals(endOffsets(topic)), "live mirror committed");
        mirror.close();
        Map<String, ObjectNode> liveDocs = docsWithoutRev(couch);
        couch.bulkDocs(List.of(Json.object().put("_id", "stray").put("status", "DONE")));
        TableConsumer replay = new TableConsumer();
        replay.updatePartitions(TOPIC, IntStream.range(0, PARTITIONS)
                .mapToObj(p -> new PartitionInfo(TOPIC, p, null, null, null)).toList());
        replay.updateBeginningOffsets(IntStream.range(0, PARTITIONS).boxed()
                .collect(Collectors.toMap(p -> new TopicPartition(TOPIC, p), p -> 0L)));
        replay.updateEndOffsets(IntStream.range(0, PARTITIONS).boxed()
                .collect(Collectors.toMap(p -> new TopicPartition(TOPIC, p),
                        p -> endOffsets(topic).getOrDefault(p, 0L))));
        replay.setMaxPollRecords(500);
        replay.schedulePollTask(() -> topic.forEach(r -> replay.addRecord(consumerRecord(r))));
        List<String> progress = new ArrayList<>();

        // when
        RebuildReport report = Mirror.rebuild(replay, TOPIC, couch, progress::add);

        // then
        assertThat(liveDocs).isEqualTo(expectedDocs(changes(topic)));
        assertSameDocs(docsWithoutRev(couch), liveDocs);
        assertThat(report.records()).isEqualTo(3_000);
        assertThat(report.badRecords()).isZero();
        assertThat(progress).contains("rebuild: 3000/3000 records (100%)");
        assertThat(progress).filteredOn(line -> line.matches("rebuild: \\d+/3000 records \\(\\d+%\\)"))
                .hasSizeGreaterThanOrEqualTo(5);
        assertThat(couch.get(CouchClient.DESIGN_ID)).isPresent();
    }

    @Test
    void shouldDeadLetterADocumentCouchDbRefusesBeforeCommittingPastIt() {
        // given: a document id CouchDB refuses for good (ids starting with '_' are reserved), between good ones
        CouchClient couch = new CouchClient(settings(server, "refused", USER, PASSWORD));
        TableConsumer consumer = new TableConsumer();
        String good = Fixtures.key(1);
        String refused = "_" + Fixtures.key(2);
        String next = Fixtures.key(3);
        List<TopicRecord> records = List.of(
                new TopicRecord(0, 0, new MirrorWriter.Change(good, Fixtures.entry(good, 2))),
                new TopicRecord(0, 1, new MirrorWriter.Change(refused, Fixtures.entry(refused, 2))),
                new TopicRecord(0, 2, new MirrorWriter.Change(next, Fixtures.entry(next, 2))));
        List<DeadLetterSink.Letter> failing = new ArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean kafkaDown = new java.util.concurrent.atomic.AtomicBoolean(true);
        Mirror mirror = start(consumer, couch, 200, letters -> {
            if (kafkaDown.get()) {
                failing.addAll(letters);
                throw new org.apache.kafka.common.KafkaException("dead-letter topic unavailable");
            }
            deadLetters.addAll(letters);
        });

        // when: the dead letter cannot be written at first
        consumer.publish(records);
        until(Duration.ofSeconds(10), () -> failing.size() >= 2, "two attempts to dead-letter");

        // then: nothing is committed past the refused document while its dead letter is not written
        assertThat(committed(consumer)).isEmpty();

        // when: it can be written
        kafkaDown.set(false);
        until(Duration.ofSeconds(10), () -> committed(consumer).equals(Map.of(0, 3L)), "the batch committed");

        // then: one dead letter, with CouchDB's reason and where the record was, and the good documents mirrored
        assertThat(deadLetters).singleElement().satisfies(letter -> {
            assertThat(letter.key()).isEqualTo(refused);
            assertThat(letter.offset()).isEqualTo(1);
            assertThat(letter.reason()).startsWith("CouchDB refused document " + refused + ": ");
            assertThat(Json.parse(new String(letter.value(), java.nio.charset.StandardCharsets.UTF_8))
                    .path("dedupKey").asText()).isEqualTo(refused);
        });
        assertThat(couch.get(good)).isPresent();
        assertThat(couch.get(next)).isPresent();
        assertThat(mirror.stats().rejected()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void shouldKeepPasswordOutOfLogsWhenCredentialsAreRejected() {
        // given
        CouchClient couch = new CouchClient(settings(server, "wrong-password", USER, PASSWORD + "-old"));
        TableConsumer consumer = new TableConsumer();
        Mirror mirror = start(consumer, couch);

        // when
        consumer.publish(Fixtures.topic(10, 5, PARTITIONS, 3));
        until(Duration.ofSeconds(10), () -> mirror.stats().failedAttempts() >= 2, "two failed attempts");

        // then
        assertThat(lines("unavailable")).singleElement().asString().contains("401");
        assertThat(mirror.stats().lastError()).contains("unauthorized").doesNotContain(PASSWORD);
        assertThat(allLogText()).doesNotContain(PASSWORD);
        assertThat(committed(consumer)).isEmpty();
    }

    private Mirror start(TableConsumer consumer, CouchClient couch) {
        return start(consumer, couch, 200);
    }

    private Mirror start(TableConsumer consumer, CouchClient couch, int maxPollRecords) {
        return start(consumer, couch, maxPollRecords, deadLetters::addAll);
    }

    /** Runs a mirror over {@code consumer}, which hands out at most {@code maxPollRecords} per poll. */
    private Mirror start(TableConsumer consumer, CouchClient couch, int maxPollRecords, DeadLetterSink sink) {
        Map<TopicPartition, Long> beginning = new HashMap<>();
        IntStream.range(0, PARTITIONS).forEach(p -> beginning.put(new TopicPartition(TOPIC, p), 0L));
        consumer.updateBeginningOffsets(beginning);
        consumer.setMaxPollRecords(maxPollRecords);
        consumer.schedulePollTask(() -> consumer.rebalance(beginning.keySet()));
        Mirror mirror = new Mirror(consumer, TOPIC, couch, sink);
        Thread thread = new Thread(mirror, "mirror-test");
        thread.start();
        cleanups.add(0, () -> {
            mirror.close();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return mirror;
    }

    /** Committed offsets by partition (partitions without a commit left out). */
    private static Map<Integer, Long> committed(MockConsumer<String, byte[]> consumer) {
        Set<TopicPartition> partitions = IntStream.range(0, PARTITIONS)
                .mapToObj(p -> new TopicPartition(TOPIC, p)).collect(Collectors.toSet());
        Map<Integer, Long> offsets = new HashMap<>();
        consumer.committed(partitions).forEach((partition, offset) -> {
            if (offset != null) {
                offsets.put(partition.partition(), offset.offset());
            }
        });
        return offsets;
    }

    /** The next offset of each partition after {@code records}: what a caught-up mirror commits. */
    private static Map<Integer, Long> endOffsets(List<TopicRecord> records) {
        Map<Integer, Long> ends = new HashMap<>();
        records.forEach(r -> ends.merge(r.partition(), r.offset() + 1, Math::max));
        return ends;
    }

    private static ConsumerRecord<String, byte[]> consumerRecord(TopicRecord record) {
        return new ConsumerRecord<>(TOPIC, record.partition(), record.offset(), record.change().dedupKey(),
                ENTRIES.serialize(TOPIC, record.change().entry()));
    }

    private List<String> lines(String fragment) {
        return logs.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains(fragment)).toList();
    }

    private String allLogText() {
        return logs.list.stream()
                .map(e -> e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getMessage()))
                .collect(Collectors.joining("\n"));
    }

    private static Logger rootLogger() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    /** A MockConsumer whose empty polls wait a little, as a real consumer's do, instead of spinning. */
    static final class TableConsumer extends MockConsumer<String, byte[]> {

        TableConsumer() {
            super("earliest");
        }

        @Override
        public ConsumerRecords<String, byte[]> poll(Duration timeout) {
            ConsumerRecords<String, byte[]> records = super.poll(timeout);
            if (records.isEmpty() && !timeout.isZero()) {
                try {
                    Thread.sleep(Math.min(timeout.toMillis(), 10));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return records;
        }

        /** Appends records to the topic; they arrive at the mirror's next polls. */
        void publish(List<TopicRecord> records) {
            List<TopicRecord> copy = List.copyOf(records);
            schedulePollTask(() -> {
                copy.forEach(r -> addRecord(consumerRecord(r)));
                Map<TopicPartition, Long> ends = new HashMap<>();
                copy.forEach(r -> ends.merge(new TopicPartition(TOPIC, r.partition()), r.offset() + 1, Math::max));
                updateEndOffsets(ends);
            });
        }
    }
}
