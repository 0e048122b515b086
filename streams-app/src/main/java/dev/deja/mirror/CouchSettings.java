package dev.deja.mirror;

import java.time.Duration;
import java.util.Objects;

/**
 * Where and how the mirror writes: the CouchDB server {@code url} (no credentials in it), the
 * {@code database}, optional HTTP Basic credentials, the largest number of documents per
 * {@code _bulk_docs} request, the bounds of the retry backoff while CouchDB is down or failing, and
 * the timeout of one HTTP call.
 *
 * <p>The password is a secret: {@link #toString()} hides it and no log line or exception of this
 * package contains it.
 */
public record CouchSettings(
        String url,
        String database,
        String username,
        String password,
        int batchSize,
        Duration minBackoff,
        Duration maxBackoff,
        Duration requestTimeout) {

    public static final int DEFAULT_BATCH_SIZE = 500;
    public static final Duration DEFAULT_MIN_BACKOFF = Duration.ofMillis(200);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(30);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

    public CouchSettings {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(minBackoff, "minBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (!database.matches("[a-z][a-z0-9_$()+/-]*")) {
            throw new IllegalArgumentException("not a CouchDB database name: " + database);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        if (minBackoff.isNegative() || minBackoff.isZero() || maxBackoff.compareTo(minBackoff) < 0) {
            throw new IllegalArgumentException("backoff bounds must satisfy 0 < min <= max");
        }
        if (hasUserInfo(url)) {
            // the url itself is never echoed: it would carry the password
            throw new IllegalArgumentException("the CouchDB url must not carry credentials: set username and password");
        }
        if (username != null && username.isEmpty()) {
            username = null;
        }
    }

    /** Settings with the defaults for batch size, backoff and timeout. */
    public static CouchSettings of(String url, String database, String username, String password) {
        return new CouchSettings(url, database, username, password, DEFAULT_BATCH_SIZE, DEFAULT_MIN_BACKOFF,
                DEFAULT_MAX_BACKOFF, DEFAULT_REQUEST_TIMEOUT);
    }

    public CouchSettings withDatabase(String newDatabase) {
        return new CouchSettings(url, newDatabase, username, password, batchSize, minBackoff, maxBackoff,
                requestTimeout);
    }

    public CouchSettings withBatchSize(int newBatchSize) {
        return new CouchSettings(url, database, username, password, newBatchSize, minBackoff, maxBackoff,
                requestTimeout);
    }

    public CouchSettings withBackoff(Duration min, Duration max) {
        return new CouchSettings(url, database, username, password, batchSize, min, max, requestTimeout);
    }

    public CouchSettings withRequestTimeout(Duration timeout) {
        return new CouchSettings(url, database, username, password, batchSize, minBackoff, maxBackoff, timeout);
    }

    private static boolean hasUserInfo(String url) {
        try {
            return java.net.URI.create(url).getRawUserInfo() != null;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a valid CouchDB url");
        }
    }

    /** Whether HTTP Basic auth is used. */
    public boolean hasCredentials() {
        return username != null;
    }

    @Override
    public String toString() {
        return "CouchSettings[url=" + url + ", database=" + database + ", username=" + username
                + ", password=" + (password == null ? "null" : "****") + ", batchSize=" + batchSize
                + ", minBackoff=" + minBackoff + ", maxBackoff=" + maxBackoff
                + ", requestTimeout=" + requestTimeout + "]";
    }
}
