package dev.deja.event;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Decides whether an object's ETag is its content MD5. It is when it is 32 hex digits (no
 * {@code -N} multipart suffix) and the object is not SSE-C or SSE-KMS encrypted; otherwise the
 * object has to be streamed and hashed.
 */
public final class ContentMd5 {

    private static final Pattern MD5 = Pattern.compile("[0-9a-fA-F]{32}");

    private ContentMd5() {
    }

    /** The content MD5 (lower case) when the ETag is one, empty when the content must be hashed. */
    public static Optional<String> fromETag(S3Object object) {
        String eTag = object.eTag();
        if (eTag == null || object.encrypted() || !MD5.matcher(eTag).matches()) {
            return Optional.empty();
        }
        return Optional.of(eTag.toLowerCase(java.util.Locale.ROOT));
    }
}
