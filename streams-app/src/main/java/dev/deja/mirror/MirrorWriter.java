package dev.deja.mirror;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deja.mirror.CouchClient.BulkResult;
import dev.deja.mirror.CouchClient.DocState;
import dev.deja.serde.Json;
import dev.deja.model.TableEntry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies table changes to CouchDB, one document per dedup key.
 *
 * <p>{@link #apply(List)} keeps the last change per key, reads the current revisions with
 * {@code _all_docs}, and writes with {@code _bulk_docs} in chunks of
 * {@link CouchSettings#batchSize()}:
 * <ul>
 *   <li>an entry whose {@code version} is lower than the stored {@code entryVersion} is skipped
 *       (an older entry never overwrites a newer one); an equal version is left as it is;</li>
 *   <li>a tombstone deletes the document (nothing to do when it is absent); an entry that follows a
 *       tombstone of its key in the same batch replaces the document whatever its version, since
 *       a key that comes back after expiry starts its versions afresh;</li>
 *   <li>a document that changed between the read and the write (409 conflict) is re-read and
 *       retried, up to {@value #MAX_CONFLICT_ROUNDS} rounds;</li>
 *   <li>a document CouchDB refuses for good ({@code forbidden}, {@code bad_request},
 *       {@code illegal_docid}) is counted as rejected, logged and listed in the result (the mirror dead-letters
 *       it), so it cannot stall the mirror.</li>
 * </ul>
 * Any other failure throws ({@link CouchException}); nothing of the batch is then known to be
 * written, and applying the same batch again is safe.
 */
public final class MirrorWriter {

    public static final int MAX_CONFLICT_ROUNDS = 5;

    private static final Logger LOG = LoggerFactory.getLogger(MirrorWriter.class);
    private static final Set<String> PERMANENT_ERRORS = Set.of("forbidden", "bad_request", "illegal_docid");

    private final CouchClient couch;
    private final int batchSize;

    public MirrorWriter(CouchClient couch) {
        this.couch = couch;
        this.batchSize = couch.settings().batchSize();
    }

    /** One change of the table topic: the entry of {@code dedupKey}, or null for a tombstone. */
    public record Change(String dedupKey, TableEntry entry) {
        public Change {
            Objects.requireNonNull(dedupKey, "dedupKey");
        }

        public boolean isTombstone() {
            return entry == null;
        }
    }

    /** A document CouchDB refused for good: its key and CouchDB's error and reason. */
    public record Refusal(String dedupKey, String error, String reason) {
    }

    /** What one {@link #apply(List)} did, per document; {@code refusals} lists the {@code rejected} ones. */
    public record Result(int written, int deleted, int skippedOlder, int unchanged, int conflictsResolved,
            int rejected, List<Refusal> refusals) {

        public static final Result EMPTY = new Result(0, 0, 0, 0, 0, 0, List.of());

        public Result plus(Result other) {
            List<Refusal> both = new ArrayList<>(refusals);
            both.addAll(other.refusals);
            return new Result(written + other.written, deleted + other.deleted, skippedOlder + other.skippedOlder,
                    unchanged + other.unchanged, conflictsResolved + other.conflictsResolved,
                    rejected + other.rejected, List.copyOf(both));
        }
    }

    /** Mirrors {@code changes} (in table order); see the class doc for the rules. */
    public Result apply(List<Change> changes) {
        Map<String, Collapsed> last = new LinkedHashMap<>();
        for (Change change : changes) {
            Collapsed before = last.remove(change.dedupKey());
            // an entry after a tombstone starts a new life of the key: its version counts afresh, so
            // whatever CouchDB still holds (from before the tombstone) is replaced, not compared
            boolean replaces = !change.isTombstone() && before != null
                    && (before.change().isTombstone() || before.replaces());
            last.put(change.dedupKey(), new Collapsed(change, replaces));
        }
        List<Collapsed> collapsed = new ArrayList<>(last.values());
        Result total = Result.EMPTY;
        for (int from = 0; from < collapsed.size(); from += batchSize) {
            total = total.plus(applyChunk(collapsed.subList(from, Math.min(collapsed.size(), from + batchSize))));
        }
        return total;
    }

    /**
     * {@code _bulk_docs}, one answer per document. A request CouchDB refuses as a whole (400: one document it
     * will never take, such as a reserved id) is split, so that only the documents it refuses are refused.
     */
    private List<BulkResult> bulkDocs(List<ObjectNode> docs) {
        try {
            return couch.bulkDocs(docs);
        } catch (CouchException e) {
            if (e.status() != 400 || docs.isEmpty()) {
                throw e;
            }
            if (docs.size() == 1) {
                return List.of(new BulkResult(docs.get(0).path("_id").asText(), null, "bad_request", e.getMessage()));
            }
            List<BulkResult> results = new ArrayList<>(bulkDocs(docs.subList(0, docs.size() / 2)));
            results.addAll(bulkDocs(docs.subList(docs.size() / 2, docs.size())));
            return results;
        }
    }

    /** The last change of a key in a batch; {@code replaces} when a tombstone came before it. */
    private record Collapsed(Change change, boolean replaces) {
    }

    private Result applyChunk(List<Collapsed> chunk) {
        Map<String, Change> pending = new LinkedHashMap<>();
        Set<String> replacing = new HashSet<>();
        for (Collapsed collapsed : chunk) {
            pending.put(collapsed.change().dedupKey(), collapsed.change());
            if (collapsed.replaces()) {
                replacing.add(collapsed.change().dedupKey());
            }
        }
        Set<String> conflicted = new HashSet<>();
        int written = 0;
        int deleted = 0;
        int skippedOlder = 0;
        int unchanged = 0;
        int resolved = 0;
        int rejected = 0;
        List<Refusal> refusals = new ArrayList<>();
        for (int round = 0; round < MAX_CONFLICT_ROUNDS && !pending.isEmpty(); round++) {
            Map<String, DocState> current = couch.allDocs(pending.keySet());
            List<ObjectNode> docs = new ArrayList<>();
            List<Change> sent = new ArrayList<>();
            for (Change change : List.copyOf(pending.values())) {
                DocState state = current.get(change.dedupKey());
                boolean exists = state != null && !state.deleted();
                ObjectNode doc;
                if (change.isTombstone()) {
                    if (!exists) {
                        pending.remove(change.dedupKey());
                        resolved += conflicted.contains(change.dedupKey()) ? 1 : 0;
                        continue;
                    }
                    doc = Json.object();
                    doc.put("_id", change.dedupKey());
                    doc.put("_rev", state.rev());
                    doc.put("_deleted", true);
                } else {
                    long stored = exists && state.doc() != null ? state.doc().path("entryVersion").asLong(-1) : -1;
                    long incoming = change.entry().version();
                    if (exists && stored >= incoming && !replacing.contains(change.dedupKey())) {
                        pending.remove(change.dedupKey());
                        if (stored > incoming) {
                            skippedOlder++;
                        } else {
                            unchanged++;
                        }
                        resolved += conflicted.contains(change.dedupKey()) ? 1 : 0;
                        continue;
                    }
                    doc = MirrorDoc.of(change.dedupKey(), change.entry()).toJson();
                    if (exists) {
                        doc.put("_rev", state.rev());
                    }
                }
                docs.add(doc);
                sent.add(change);
            }
            List<BulkResult> results = bulkDocs(docs);
            for (int i = 0; i < results.size(); i++) {
                BulkResult result = results.get(i);
                Change change = sent.get(i);
                if (result.ok()) {
                    pending.remove(change.dedupKey());
                    if (change.isTombstone()) {
                        deleted++;
                    } else {
                        written++;
                    }
                    resolved += conflicted.contains(change.dedupKey()) ? 1 : 0;
                } else if (result.isConflict()) {
                    conflicted.add(change.dedupKey());
                } else if (PERMANENT_ERRORS.contains(result.error())) {
                    pending.remove(change.dedupKey());
                    rejected++;
                    refusals.add(new Refusal(change.dedupKey(), result.error(), result.reason()));
                    LOG.warn("CouchDB refused document {}: {}: {}", change.dedupKey(), result.error(), result.reason());
                } else {
                    throw new CouchException("document " + change.dedupKey() + " not written: " + result.error()
                            + ": " + result.reason(), 0, result.error(), null);
                }
            }
        }
        if (!pending.isEmpty()) {
            throw new CouchException(pending.size() + " documents still in conflict after " + MAX_CONFLICT_ROUNDS
                    + " rounds, e.g. " + pending.keySet().iterator().next(), 409, "conflict", null);
        }
        return new Result(written, deleted, skippedOlder, unchanged, resolved, rejected, List.copyOf(refusals));
    }
}
