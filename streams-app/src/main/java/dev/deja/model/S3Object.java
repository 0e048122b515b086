package dev.deja.model;

/**
 * One uploaded (or removed) object, as a MinIO notification record describes it. The key is
 * already URL-decoded. {@code eTag} and {@code size} are null for remove events.
 */
public record S3Object(
        String bucket,
        String key,
        String eventName,
        String eventTime,
        String sequencer,
        String eTag,
        Long size,
        String versionId,
        String contentType,
        boolean encrypted) {

    /** {@code bucket/key}: the key MinIO puts on its Kafka records, and the key of {@code deja-output}. */
    public String path() {
        return bucket + "/" + key;
    }

    /** Identifies one delivery-independent upload: a redelivered event has the same id. */
    public String eventId() {
        return path() + "@" + (sequencer == null ? eventTime : sequencer);
    }
}
