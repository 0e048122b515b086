package dev.deja.mirror;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deja.model.S3Object;
import dev.deja.mirror.MirrorWriter.Change;
import dev.deja.serde.Json;
import dev.deja.model.EntryStatus;
import dev.deja.model.TableEntry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/** Table entries and change streams shared by the mirror tests. */
final class Fixtures {

    static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

    private Fixtures() {
    }

    static String key(int i) {
        return "thumbnail@0.0." + (i % 3) + "#a1b2c3:" + String.format("%032x", i);
    }

    /** An entry as the dedup processor would write it at {@code version}. */
    static TableEntry entry(String key, long version) {
        EntryStatus status = version == 1 ? EntryStatus.PENDING : version % 5 == 0 ? EntryStatus.FAILED : EntryStatus.DONE;
        ObjectNode result = Json.object().put("width", 128).put("version", version);
        List<S3Object> samples = new ArrayList<>();
        for (int s = 0; s < Math.min(version, TableEntry.MAX_SAMPLES); s++) {
            samples.add(new S3Object("photos", "img/" + key.hashCode() + "-" + s + ".jpg",
                    "s3:ObjectCreated:Put", "2026-01-01T00:00:0" + s + "Z", "seq" + s,
                    key.substring(key.length() - 32), 1000L + s, null, "image/jpeg", false));
        }
        String action = key.substring(0, key.indexOf('@'));
        String actionVersion = key.substring(key.indexOf('@') + 1, key.indexOf('#'));
        return new TableEntry(key, status, action, actionVersion, key.substring(key.length() - 32), null,
                status == EntryStatus.DONE ? result : null, null,
                status == EntryStatus.FAILED ? "boom " + version : null,
                status == EntryStatus.FAILED ? "application error" : null,
                status == EntryStatus.PENDING ? null : "act-" + version, status == EntryStatus.PENDING ? null : 40L,
                1, version, T0, T0 + version * 1000, status == EntryStatus.PENDING ? null : T0 + version * 1000,
                version - 1, 0, 0, 0, -1, T0 + 60_000, samples, null);
    }

    /** One record of a simulated table topic. */
    record TopicRecord(int partition, long offset, Change change) {
    }

    /**
     * A table topic of {@code count} records over {@code keys} keys and {@code partitions}
     * partitions: versions grow per key, about one change in twelve is a tombstone, after which the
     * key may come back with a fresh version 1 (as a new entry after expiry would).
     */
    static List<TopicRecord> topic(int count, int keys, int partitions, long seed) {
        Random random = new Random(seed);
        Map<String, Long> versions = new HashMap<>();
        long[] offsets = new long[partitions];
        List<TopicRecord> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String key = key(random.nextInt(keys));
            int hash = key.hashCode();
            hash ^= hash >>> 16;
            hash *= 0x85ebca6b;
            hash ^= hash >>> 13;
            int partition = Math.floorMod(hash, partitions);
            Change change;
            if (versions.containsKey(key) && random.nextInt(12) == 0) {
                versions.remove(key);
                change = new Change(key, null);
            } else {
                long version = versions.merge(key, 1L, Long::sum);
                change = new Change(key, entry(key, version));
            }
            records.add(new TopicRecord(partition, offsets[partition]++, change));
        }
        return records;
    }

    static List<Change> changes(List<TopicRecord> records) {
        return records.stream().map(TopicRecord::change).toList();
    }

    /** The documents the mirror must hold after {@code changes}: the last entry per key, tombstoned keys absent. */
    static Map<String, ObjectNode> expectedDocs(List<Change> changes) {
        Map<String, Change> last = new LinkedHashMap<>();
        changes.forEach(change -> last.put(change.dedupKey(), change));
        Map<String, ObjectNode> expected = new TreeMap<>();
        last.forEach((key, change) -> {
            if (!change.isTombstone()) {
                // through text, so numbers compare as the parsed documents' do (int vs long nodes)
                expected.put(key, (ObjectNode) Json.parse(Json.write(MirrorDoc.of(key, change.entry()).toJson())));
            }
        });
        return expected;
    }

    /** All documents of the database, by id, without {@code _rev}. */
    static Map<String, ObjectNode> docsWithoutRev(CouchClient couch) {
        Map<String, ObjectNode> docs = new TreeMap<>();
        for (ObjectNode doc : couch.allDocuments()) {
            ObjectNode copy = doc.deepCopy();
            copy.remove("_rev");
            docs.put(copy.path("_id").asText(), copy);
        }
        return docs;
    }

    /** Asserts equal document sets, reporting missing, extra and differing ids rather than both sets. */
    static void assertSameDocs(Map<String, ObjectNode> actual, Map<String, ObjectNode> expected) {
        List<String> missing = expected.keySet().stream().filter(id -> !actual.containsKey(id)).toList();
        List<String> extra = actual.keySet().stream().filter(id -> !expected.containsKey(id)).toList();
        List<String> differing = expected.keySet().stream()
                .filter(id -> actual.containsKey(id) && !actual.get(id).equals(expected.get(id)))
                .map(id -> id + ": expected " + expected.get(id) + " but was " + actual.get(id))
                .toList();
        org.assertj.core.api.Assertions.assertThat(missing).as("missing docs").isEmpty();
        org.assertj.core.api.Assertions.assertThat(extra).as("extra docs").isEmpty();
        org.assertj.core.api.Assertions.assertThat(differing.stream().limit(3).toList()).as("differing docs (first 3 of "
                + differing.size() + ")").isEmpty();
    }

    static CouchSettings settings(PouchServer server, String database) {
        return settings(server, database, null, null);
    }

    static CouchSettings settings(PouchServer server, String database, String user, String password) {
        return CouchSettings.of(server.url(), database, user, password)
                .withBatchSize(200)
                .withBackoff(Duration.ofMillis(50), Duration.ofMillis(400))
                .withRequestTimeout(Duration.ofSeconds(5));
    }
}
