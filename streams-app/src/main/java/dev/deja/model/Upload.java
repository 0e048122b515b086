package dev.deja.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One (upload, matched rule) on its way from ingest to the dedup table, keyed by {@link #dedupKey}.
 * {@code contentMd5} and {@code dedupKey} are null while the content still has to be hashed.
 * {@code eventTimeMs} is the event's time from its payload when that is within the tolerated skew
 * of the Kafka record's time; otherwise it is the record's time, and {@code skewedEventTimeMs}
 * keeps the payload's (null when the payload's time was used).
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
        long eventTimeMs,
        Long skewedEventTimeMs) {

    public Upload withParams(JsonNode value) {
        return new Upload(object, rule, action, actionVersion, paramsHash, value, contentMd5, dedupKey, eventTimeMs,
                skewedEventTimeMs);
    }

    public Upload withContentMd5(String md5) {
        return new Upload(object, rule, action, actionVersion, paramsHash, params, md5,
                DedupKey.of(action, actionVersion, paramsHash, md5), eventTimeMs, skewedEventTimeMs);
    }
}
