package dev.deja.mirror;

import static dev.deja.mirror.Fixtures.changes;
import static dev.deja.mirror.Fixtures.docsWithoutRev;
import static dev.deja.mirror.Fixtures.entry;
import static dev.deja.mirror.Fixtures.expectedDocs;
import static dev.deja.mirror.Fixtures.key;
import static dev.deja.mirror.Fixtures.settings;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deja.mirror.CouchClient.BulkResult;
import dev.deja.mirror.MirrorWriter.Change;
import dev.deja.mirror.MirrorWriter.Result;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

class MirrorWriterTest {

    private static PouchServer server;

    @BeforeAll
    static void startServer() throws IOException {
        server = PouchServer.inMemory();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private static CouchClient database(TestInfo test) {
        String name = "w-" + test.getTestMethod().orElseThrow().getName().toLowerCase();
        CouchClient couch = new CouchClient(settings(server, name));
        couch.ensureDatabase();
        return couch;
    }

    @Test
    void shouldHoldLastVersionOfEveryKeyWhenTenThousandChangesAreMirrored(TestInfo test) {
        // given
        CouchClient couch = database(test);
        MirrorWriter writer = new MirrorWriter(new CouchClient(couch.settings().withBatchSize(1_000)));
        List<Change> changes = changes(Fixtures.topic(10_000, 1_000, 1, 42));
        assertThat(changes).filteredOn(Change::isTombstone).hasSizeGreaterThan(300);

        // when: batches of 1000 records, as the consumer hands them over
        Result total = Result.EMPTY;
        for (int from = 0; from < changes.size(); from += 1_000) {
            total = total.plus(writer.apply(changes.subList(from, from + 1_000)));
        }

        // then
        Map<String, ObjectNode> expected = expectedDocs(changes);
        Fixtures.assertSameDocs(docsWithoutRev(couch), expected);
        assertThat(total.deleted()).isPositive();
        assertThat(total.skippedOlder()).isZero();
        assertThat(total.written()).isGreaterThanOrEqualTo(expected.size());
    }

    @Test
    void shouldWriteEntryFieldsWhenEntryIsNew(TestInfo test) {
        // given
        CouchClient couch = database(test);
        String key = key(7);

        // when
        Result result = new MirrorWriter(couch).apply(List.of(new Change(key, entry(key, 3))));

        // then
        assertThat(result.written()).isEqualTo(1);
        ObjectNode doc = couch.get(key).orElseThrow();
        assertThat(doc.path("_id").asText()).isEqualTo(key);
        assertThat(doc.path("status").asText()).isEqualTo("DONE");
        assertThat(doc.path("action").asText()).isEqualTo("thumbnail");
        assertThat(doc.path("actionVersion").asText()).isEqualTo("0.0.1");
        assertThat(doc.path("md5").asText()).isEqualTo(String.format("%032x", 7));
        assertThat(doc.path("result").path("width").asInt()).isEqualTo(128);
        assertThat(doc.path("activationId").asText()).isEqualTo("act-3");
        assertThat(doc.path("firstSeen").asText()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(doc.path("lastSeen").asText()).isEqualTo("2026-01-01T00:00:03Z");
        assertThat(doc.path("hits").asLong()).isEqualTo(2);
        assertThat(doc.path("entryVersion").asLong()).isEqualTo(3);
        assertThat(doc.path("samples")).hasSize(3);
        assertThat(doc.path("samples").get(0).path("bucket").asText()).isEqualTo("photos");
        assertThat(doc.path("samples").get(0).path("size").asLong()).isEqualTo(1000);
        assertThat(doc.has("error")).isFalse();
    }

    @Test
    void shouldKeepNewerDocWhenOlderVersionArrivesLater(TestInfo test) {
        // given
        CouchClient couch = database(test);
        MirrorWriter writer = new MirrorWriter(couch);
        String key = key(1);
        writer.apply(List.of(new Change(key, entry(key, 5))));
        String revision = couch.get(key).orElseThrow().path("_rev").asText();

        // when
        Result older = writer.apply(List.of(new Change(key, entry(key, 3))));
        Result same = writer.apply(List.of(new Change(key, entry(key, 5))));

        // then
        assertThat(older.skippedOlder()).isEqualTo(1);
        assertThat(older.written()).isZero();
        assertThat(same.unchanged()).isEqualTo(1);
        ObjectNode doc = couch.get(key).orElseThrow();
        assertThat(doc.path("entryVersion").asLong()).isEqualTo(5);
        assertThat(doc.path("_rev").asText()).isEqualTo(revision);
    }

    @Test
    void shouldReReadRevisionWhenDocChangedBehindWritersBack(TestInfo test) {
        // given: another writer updates the doc between our _all_docs read and our _bulk_docs write
        CouchClient other = database(test);
        String key = key(2);
        new MirrorWriter(other).apply(List.of(new Change(key, entry(key, 1))));
        AtomicInteger bulkCalls = new AtomicInteger();
        List<List<BulkResult>> answers = new ArrayList<>();
        CouchClient racing = new CouchClient(other.settings()) {
            @Override
            public List<BulkResult> bulkDocs(List<ObjectNode> docs) {
                if (bulkCalls.getAndIncrement() == 0) {
                    ObjectNode sneaky = other.get(key).orElseThrow();
                    sneaky.put("hits", 999);
                    other.bulkDocs(List.of(sneaky));
                }
                List<BulkResult> results = super.bulkDocs(docs);
                answers.add(results);
                return results;
            }
        };

        // when
        Result result = new MirrorWriter(racing).apply(List.of(new Change(key, entry(key, 2))));

        // then
        assertThat(answers.get(0)).singleElement().satisfies(first -> assertThat(first.isConflict()).isTrue());
        assertThat(result.conflictsResolved()).isEqualTo(1);
        assertThat(result.written()).isEqualTo(1);
        ObjectNode doc = other.get(key).orElseThrow();
        assertThat(doc.path("entryVersion").asLong()).isEqualTo(2);
        assertThat(doc.path("hits").asLong()).isEqualTo(1);
        assertThat(doc.path("_rev").asText()).startsWith("3-");
    }

    @Test
    void shouldSkipWhenConflictingWriterStoredNewerVersion(TestInfo test) {
        // given: a newer entry version lands between our read and our write
        CouchClient other = database(test);
        String key = key(3);
        new MirrorWriter(other).apply(List.of(new Change(key, entry(key, 1))));
        AtomicInteger bulkCalls = new AtomicInteger();
        CouchClient racing = new CouchClient(other.settings()) {
            @Override
            public List<BulkResult> bulkDocs(List<ObjectNode> docs) {
                if (bulkCalls.getAndIncrement() == 0) {
                    new MirrorWriter(other).apply(List.of(new Change(key, entry(key, 9))));
                }
                return super.bulkDocs(docs);
            }
        };

        // when
        Result result = new MirrorWriter(racing).apply(List.of(new Change(key, entry(key, 4))));

        // then
        assertThat(result.skippedOlder()).isEqualTo(1);
        assertThat(result.conflictsResolved()).isEqualTo(1);
        assertThat(other.get(key).orElseThrow().path("entryVersion").asLong()).isEqualTo(9);
    }

    @Test
    void shouldReplaceNewerDocWhenKeyReturnsAfterTombstoneInSameBatch(TestInfo test) {
        // given: the key lived up to version 7, expired, and came back as a fresh entry
        CouchClient couch = database(test);
        MirrorWriter writer = new MirrorWriter(couch);
        String key = key(5);
        writer.apply(List.of(new Change(key, entry(key, 7))));

        // when
        Result result = writer.apply(List.of(new Change(key, null), new Change(key, entry(key, 1)),
                new Change(key, entry(key, 2))));

        // then
        assertThat(result.written()).isEqualTo(1);
        assertThat(result.skippedOlder()).isZero();
        ObjectNode doc = couch.get(key).orElseThrow();
        assertThat(doc.path("entryVersion").asLong()).isEqualTo(2);
        assertThat(doc.path("lastSeen").asText()).isEqualTo("2026-01-01T00:00:02Z");
    }

    @Test
    void shouldDeleteDocWhenTombstoneArrivesAndRecreateWhenKeyReturns(TestInfo test) {
        // given
        CouchClient couch = database(test);
        MirrorWriter writer = new MirrorWriter(couch);
        String key = key(4);
        writer.apply(List.of(new Change(key, entry(key, 1)), new Change(key, entry(key, 2))));

        // when
        Result deletion = writer.apply(List.of(new Change(key, null)));
        boolean goneAfterTombstone = couch.get(key).isEmpty();
        Result again = writer.apply(List.of(new Change(key, null)));
        Result recreation = writer.apply(List.of(new Change(key, entry(key, 1))));

        // then
        assertThat(deletion.deleted()).isEqualTo(1);
        assertThat(goneAfterTombstone).isTrue();
        assertThat(again.deleted()).isZero();
        assertThat(recreation.written()).isEqualTo(1);
        assertThat(couch.get(key).orElseThrow().path("entryVersion").asLong()).isEqualTo(1);
    }
}
