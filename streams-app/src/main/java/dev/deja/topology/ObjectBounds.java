package dev.deja.topology;

import dev.deja.model.S3Object;

/**
 * Bounds on what an event may say about an object, so that every record derived from it (the upload crossing
 * the repartition, its output, the table entry's samples) stays small: S3 keys are already at most 1,024 bytes
 * ({@link dev.deja.event.MinioEvents#MAX_KEY_BYTES}); every other text field is at most
 * {@value #MAX_FIELD_CHARS} characters. An object beyond them is rejected with the reason.
 */
final class ObjectBounds {

    static final int MAX_FIELD_CHARS = 1024;

    private ObjectBounds() {
    }

    /** Why the object is out of bounds, or null. */
    static String violation(S3Object object) {
        String field = tooLong("s3.bucket.name", object.bucket());
        field = field != null ? field : tooLong("eventName", object.eventName());
        field = field != null ? field : tooLong("eventTime", object.eventTime());
        field = field != null ? field : tooLong("s3.object.sequencer", object.sequencer());
        field = field != null ? field : tooLong("s3.object.eTag", object.eTag());
        field = field != null ? field : tooLong("s3.object.versionId", object.versionId());
        field = field != null ? field : tooLong("s3.object.contentType", object.contentType());
        return field;
    }

    private static String tooLong(String name, String value) {
        return value != null && value.length() > MAX_FIELD_CHARS
                ? name + " is longer than " + MAX_FIELD_CHARS + " characters (" + value.length() + ")" : null;
    }
}
