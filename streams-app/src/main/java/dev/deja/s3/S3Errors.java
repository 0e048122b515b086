package dev.deja.s3;

import io.minio.errors.ErrorResponseException;
import io.minio.errors.InsufficientDataException;
import io.minio.errors.ServerException;
import java.io.IOException;
import java.util.Set;

/** Classifies minio-java failures: missing object, transient (worth a retry), or permanent. */
final class S3Errors {

    private static final Set<String> MISSING_CODES = Set.of("NoSuchKey", "NoSuchBucket", "NoSuchObject");
    private static final Set<String> TRANSIENT_CODES = Set.of(
            "InternalError", "SlowDown", "ServiceUnavailable", "RequestTimeout", "RequestTimeTooSkewed",
            "XMinioServerNotInitialized", "OperationTimedOut");

    private S3Errors() {
    }

    static boolean isMissing(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ErrorResponseException ere) {
                String code = ere.errorResponse() == null ? null : ere.errorResponse().code();
                if (code != null && MISSING_CODES.contains(code)) {
                    return true;
                }
                if (ere.response() != null && ere.response().code() == 404) {
                    return true;
                }
            }
        }
        return false;
    }

    /** S3's answer to a read whose If-Match (or version) no longer holds. */
    static boolean isChanged(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ErrorResponseException ere) {
                String code = ere.errorResponse() == null ? null : ere.errorResponse().code();
                return "PreconditionFailed".equals(code) || "NoSuchVersion".equals(code)
                        || (ere.response() != null && ere.response().code() == 412);
            }
        }
        return false;
    }

    static boolean isTransient(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ServerException || t instanceof InsufficientDataException || t instanceof IOException) {
                return true;
            }
            if (t instanceof ErrorResponseException ere) {
                String code = ere.errorResponse() == null ? null : ere.errorResponse().code();
                int status = ere.response() == null ? 0 : ere.response().code();
                return (code != null && TRANSIENT_CODES.contains(code)) || status >= 500 || status == 429;
            }
        }
        return false;
    }
}
