package dev.deja.mirror;

import static dev.deja.mirror.Fixtures.entry;
import static dev.deja.mirror.Fixtures.key;
import static dev.deja.mirror.Fixtures.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deja.mirror.CouchClient.BulkResult;
import dev.deja.mirror.CouchClient.DocState;
import dev.deja.mirror.MirrorWriter.Change;
import dev.deja.serde.Json;
import dev.deja.model.EntryStatus;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

class CouchClientTest {

    private static final String USER = "deja";
    private static final String PASSWORD = "c0rrect-h0rse-b4ttery-5taple";

    private static PouchServer server;

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

    private static CouchClient client(TestInfo test) {
        String name = "c-" + test.getTestMethod().orElseThrow().getName().toLowerCase();
        return new CouchClient(settings(server, name, USER, PASSWORD));
    }

    @Test
    void shouldCreateDatabaseOnceWhenEnsuredTwice(TestInfo test) {
        // given
        CouchClient couch = client(test);

        // when
        boolean first = couch.ensureDatabase();
        boolean second = couch.ensureDatabase();

        // then
        assertThat(first).isTrue();
        assertThat(second).isFalse();
        assertThat(couch.deleteDatabase()).isTrue();
        assertThat(couch.ensureDatabase()).as("created again after the delete").isTrue();
    }

    @Test
    void shouldWriteDesignDocOnlyWhenViewsDiffer(TestInfo test) {
        // given
        CouchClient couch = client(test);
        couch.ensureDatabase();

        // when
        boolean created = couch.ensureDesignDoc();
        boolean unchanged = couch.ensureDesignDoc();
        ObjectNode edited = couch.get(CouchClient.DESIGN_ID).orElseThrow();
        edited.with("views").remove(CouchClient.VIEW_BY_MD5);
        couch.bulkDocs(List.of(edited));
        boolean repaired = couch.ensureDesignDoc();

        // then
        assertThat(created).isTrue();
        assertThat(unchanged).isFalse();
        assertThat(repaired).isTrue();
        assertThat(couch.get(CouchClient.DESIGN_ID).orElseThrow().path("views").has(CouchClient.VIEW_BY_MD5)).isTrue();
    }

    @Test
    void shouldReportConflictWhenRevisionIsStale(TestInfo test) {
        // given
        CouchClient couch = client(test);
        couch.ensureDatabase();
        BulkResult created = couch.bulkDocs(List.of(Json.object().put("_id", "a#1").put("n", 1))).get(0);
        couch.bulkDocs(List.of(Json.object().put("_id", "a#1").put("_rev", created.rev()).put("n", 2)));

        // when
        List<BulkResult> results = couch.bulkDocs(List.of(
                Json.object().put("_id", "a#1").put("_rev", created.rev()).put("n", 3),
                Json.object().put("_id", "b#2").put("n", 1)));

        // then
        assertThat(results).extracting(BulkResult::id).containsExactly("a#1", "b#2");
        assertThat(results.get(0).isConflict()).isTrue();
        assertThat(results.get(1).ok()).isTrue();
        assertThat(couch.get("a#1").orElseThrow().path("n").asInt()).isEqualTo(2);
    }

    @Test
    void shouldReportDeletedAndLeaveOutMissingWhenReadingRevisions(TestInfo test) {
        // given
        CouchClient couch = client(test);
        couch.ensureDatabase();
        List<BulkResult> created = couch.bulkDocs(List.of(Json.object().put("_id", "live").put("n", 1),
                Json.object().put("_id", "gone").put("n", 1)));
        couch.bulkDocs(List.of(Json.object().put("_id", "gone").put("_rev", created.get(1).rev())
                .put("_deleted", true)));

        // when
        Map<String, DocState> states = couch.allDocs(List.of("live", "gone", "never"));

        // then
        assertThat(states).containsOnlyKeys("live", "gone");
        assertThat(states.get("live").rev()).isEqualTo(created.get(0).rev());
        assertThat(states.get("live").deleted()).isFalse();
        assertThat(states.get("live").doc().path("n").asInt()).isEqualTo(1);
        assertThat(states.get("gone").deleted()).isTrue();
        assertThat(states.get("gone").doc()).isNull();
        assertThat(couch.get("gone")).isEmpty();
    }

    @Test
    void shouldFindEntriesWhenQueryingByMd5ActionAndStatus(TestInfo test) {
        // given: versions 2 (DONE) and 5 (FAILED) and a PENDING entry of another md5
        CouchClient couch = client(test);
        couch.ensureDatabase();
        couch.ensureDesignDoc();
        new MirrorWriter(couch).apply(List.of(new Change(key(10), entry(key(10), 2)),
                new Change(key(11), entry(key(11), 5)), new Change(key(12), entry(key(12), 1))));
        MirrorQueries queries = new MirrorQueries(couch);

        // when
        List<MirrorDoc> byMd5 = queries.byMd5(String.format("%032X", 11));
        List<MirrorDoc> byAction = queries.byAction("thumbnail", 10);
        List<MirrorDoc> failed = queries.byStatus(EntryStatus.FAILED, 10);
        MirrorDoc byKey = queries.byDedupKey(key(10)).orElseThrow();

        // then
        assertThat(byMd5).singleElement().satisfies(doc -> {
            assertThat(doc.dedupKey()).isEqualTo(key(11));
            assertThat(doc.error()).isEqualTo("boom 5");
        });
        assertThat(byAction).extracting(MirrorDoc::dedupKey).containsExactlyInAnyOrder(key(10), key(11), key(12));
        assertThat(failed).extracting(MirrorDoc::dedupKey).containsExactly(key(11));
        assertThat(Json.write(byKey)).isEqualTo(Json.write(MirrorDoc.of(key(10), entry(key(10), 2))));
        assertThat(queries.byDedupKey("nothing@1#x:0")).isEmpty();
    }

    @Test
    void shouldKeepPasswordOutOfErrorWhenPasswordIsWrong() {
        // given
        String wrong = "wr0ng-" + PASSWORD;
        CouchClient couch = new CouchClient(settings(server, "secret", USER, wrong));

        // when
        CouchException error = catchThrowableOfType(CouchException.class, couch::ensureDatabase);

        // then
        assertThat(error.status()).isEqualTo(401);
        assertThat(error.error()).isEqualTo("unauthorized");
        assertThat(error.getMessage()).contains("PUT", "/secret", "401").doesNotContain(wrong);
        assertThat(CouchSettingsTest.stackTrace(error)).doesNotContain(wrong);
    }
}
