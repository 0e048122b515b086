package dev.deja.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One (upload, matched rule) on its way from ingest to the dedup table, keyed by {@link #dedupKey}.
 * {@code contentMd5} and {@code dedupKey} are null while the content still has to be hashed.
 */
public record Upload(
        S3Object object,
        String rule,
        String action,
        String actionVersion,
        String paramsHash,
        JsonNode params,
        String contentMd5,
        String dedupKey,
        long eventTimeMs) {

    public Upload withContentMd5(String md5) {
        return new Upload(object, rule, action, actionVersion, paramsHash, params, md5,
                DedupKey.of(action, actionVersion, paramsHash, md5), eventTimeMs);
    }
}
