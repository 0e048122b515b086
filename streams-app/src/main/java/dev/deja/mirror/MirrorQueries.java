package dev.deja.mirror;

import dev.deja.model.EntryStatus;
import java.util.List;
import java.util.Optional;

/**
 * Reads the CouchDB mirror through the {@code _design/deja} views: what {@code deja status}
 * answers when the application (and its state stores) is not running. The mirror may lag the table.
 */
public final class MirrorQueries {

    public static final int DEFAULT_LIMIT = 100;

    private final CouchClient couch;

    public MirrorQueries(CouchClient couch) {
        this.couch = couch;
    }

    public MirrorQueries(CouchSettings settings) {
        this(new CouchClient(settings));
    }

    /** The entry of one dedup key. */
    public Optional<MirrorDoc> byDedupKey(String dedupKey) {
        return couch.get(dedupKey).map(MirrorDoc::fromJson);
    }

    /** Every entry (per action, version and parameters) for a content MD5, at most {@value #DEFAULT_LIMIT}. */
    public List<MirrorDoc> byMd5(String md5) {
        return query(CouchClient.VIEW_BY_MD5, md5.toLowerCase(java.util.Locale.ROOT), DEFAULT_LIMIT);
    }

    /** Entries of one action (any version), at most {@code limit}. */
    public List<MirrorDoc> byAction(String action, int limit) {
        return query(CouchClient.VIEW_BY_ACTION, action, limit);
    }

    /** Entries in one status, at most {@code limit}. */
    public List<MirrorDoc> byStatus(EntryStatus status, int limit) {
        return query(CouchClient.VIEW_BY_STATUS, status.name(), limit);
    }

    private List<MirrorDoc> query(String view, String key, int limit) {
        return couch.queryView(view, key, limit).stream().map(MirrorDoc::fromJson).toList();
    }
}
