package dev.deja.mirror;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deja.model.S3Object;
import dev.deja.serde.Json;
import dev.deja.model.TableEntry;
import java.time.Instant;
import java.util.List;

/**
 * One mirrored dedup-table entry: the body of the CouchDB document whose {@code _id} is the dedup
 * key. Timestamps are ISO-8601 (UTC); {@code entryVersion} is {@link TableEntry#version()}, which
 * the writer compares so an older entry never replaces a newer one. Absent values are left out of
 * the document.
 */
public record MirrorDoc(
        @JsonProperty("_id") String dedupKey,
        String status,
        String action,
        String actionVersion,
        String md5,
        JsonNode result,
        String resultRef,
        String error,
        String failureKind,
        String activationId,
        Long durationMs,
        int attempt,
        String firstSeen,
        String lastSeen,
        String completedAt,
        long hits,
        List<Sample> samples,
        long entryVersion) {

    /** An object whose upload mapped to this entry. */
    public record Sample(String bucket, String key, String eTag, Long size) {
    }

    /** The document of {@code entry}, stored under {@code dedupKey} (the table topic's record key). */
    public static MirrorDoc of(String dedupKey, TableEntry entry) {
        List<Sample> samples = entry.samples() == null ? List.of() : entry.samples().stream()
                .map(MirrorDoc::sample)
                .toList();
        return new MirrorDoc(dedupKey,
                entry.status() == null ? null : entry.status().name(),
                entry.action(), entry.actionVersion(), entry.contentMd5(), entry.result(), entry.resultRef(),
                entry.error(), entry.failureKind(), entry.activationId(), entry.durationMs(), entry.attempt(),
                iso(entry.firstSeenMs()), iso(entry.lastSeenMs()),
                entry.completedAtMs() == null ? null : iso(entry.completedAtMs()),
                entry.hits(), samples, entry.version());
    }

    /** Reads a document as CouchDB returns it ({@code _rev} and unknown fields are ignored). */
    public static MirrorDoc fromJson(JsonNode doc) {
        try {
            return Json.MAPPER.treeToValue(doc, MirrorDoc.class);
        } catch (Exception e) {
            throw new IllegalArgumentException("not a mirror document: " + e.getMessage(), e);
        }
    }

    /** The JSON body to write (without {@code _rev}). */
    public ObjectNode toJson() {
        return Json.MAPPER.valueToTree(this);
    }

    private static Sample sample(S3Object object) {
        return new Sample(object.bucket(), object.key(), object.eTag(), object.size());
    }

    private static String iso(long epochMs) {
        return Instant.ofEpochMilli(epochMs).toString();
    }
}
