package dev.deja.invoke;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import okhttp3.HttpUrl;

/**
 * How Deja reaches OpenWhisk and how hard it tries.
 *
 * @param apiHost                 base URL of the OpenWhisk API, e.g. {@code https://host:3233}
 * @param namespace               namespace of the actions; {@code _} is the key's default namespace
 * @param authKey                 API key {@code uuid:key}; a secret: never shown by {@link #toString()}
 * @param insecure                trust any TLS certificate and host name (self-signed dev setups); explicit opt-in
 * @param caFile                  PEM file with the CA certificate(s) to trust instead of the JDK's; nullable
 * @param connectTimeout          TCP/TLS connect timeout
 * @param callTimeout             whole-call timeout of one HTTP call (also its read/write timeout); keep it above
 *                                OpenWhisk's 60 s blocking wait
 * @param maxRetries              retries of a transient failure (429, 5xx, network) after the first call
 * @param initialBackoff          first retry/poll delay; doubles up to {@code maxBackoff}
 * @param maxBackoff              cap of the retry/poll delay
 * @param pollDeadline            overall deadline for polling an activation after a 202
 * @param breakerFailureThreshold consecutive transient failures that open the circuit breaker
 * @param breakerOpenDuration     how long an open breaker refuses calls before it lets probes through
 * @param breakerProbes           successful probes needed to close a half-open breaker
 * @param maxConcurrentCalls      HTTP calls to OpenWhisk running at once (OkHttp dispatcher limit)
 */
public record OpenWhiskSettings(
        String apiHost,
        String namespace,
        String authKey,
        boolean insecure,
        Path caFile,
        Duration connectTimeout,
        Duration callTimeout,
        int maxRetries,
        Duration initialBackoff,
        Duration maxBackoff,
        Duration pollDeadline,
        int breakerFailureThreshold,
        Duration breakerOpenDuration,
        int breakerProbes,
        int maxConcurrentCalls) {

    public static final String DEFAULT_NAMESPACE = "_";
    public static final int DEFAULT_MAX_CONCURRENT_CALLS = 64;

    public OpenWhiskSettings {
        Objects.requireNonNull(apiHost, "apiHost");
        if (HttpUrl.parse(apiHost) == null) {
            throw new IllegalArgumentException("apiHost is not an http(s) URL: " + apiHost);
        }
        namespace = namespace == null || namespace.isBlank() ? DEFAULT_NAMESPACE : namespace;
        Objects.requireNonNull(authKey, "authKey");
        int colon = authKey.indexOf(':');
        if (colon <= 0 || colon == authKey.length() - 1) {
            // Never echo the value: it is a secret even when malformed.
            throw new IllegalArgumentException("authKey must have the form uuid:key");
        }
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(callTimeout, "callTimeout");
        requirePositive(initialBackoff, "initialBackoff");
        requirePositive(maxBackoff, "maxBackoff");
        requirePositive(pollDeadline, "pollDeadline");
        requirePositive(breakerOpenDuration, "breakerOpenDuration");
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must be >= 0");
        }
        if (breakerFailureThreshold < 1 || breakerProbes < 1 || maxConcurrentCalls < 1) {
            throw new IllegalArgumentException(
                    "breakerFailureThreshold, breakerProbes and maxConcurrentCalls must be >= 1");
        }
    }

    /** The fields of the design brief; {@code maxConcurrentCalls} takes its default. */
    public OpenWhiskSettings(String apiHost, String namespace, String authKey, boolean insecure, Path caFile,
            Duration connectTimeout, Duration callTimeout, int maxRetries, Duration initialBackoff,
            Duration maxBackoff, Duration pollDeadline, int breakerFailureThreshold, Duration breakerOpenDuration,
            int breakerProbes) {
        this(apiHost, namespace, authKey, insecure, caFile, connectTimeout, callTimeout, maxRetries, initialBackoff,
                maxBackoff, pollDeadline, breakerFailureThreshold, breakerOpenDuration, breakerProbes,
                DEFAULT_MAX_CONCURRENT_CALLS);
    }

    /** A builder with production defaults; only {@code apiHost} and {@code authKey} are required. */
    public static Builder builder(String apiHost, String authKey) {
        return new Builder(apiHost, authKey);
    }

    /** The user part of {@code authKey}. */
    public String authUser() {
        return authKey.substring(0, authKey.indexOf(':'));
    }

    /** The password part of {@code authKey}. */
    public String authPassword() {
        return authKey.substring(authKey.indexOf(':') + 1);
    }

    @Override
    public String toString() {
        return "OpenWhiskSettings[apiHost=" + apiHost + ", namespace=" + namespace + ", authKey=****"
                + ", insecure=" + insecure + ", caFile=" + caFile + ", connectTimeout=" + connectTimeout
                + ", callTimeout=" + callTimeout + ", maxRetries=" + maxRetries
                + ", initialBackoff=" + initialBackoff + ", maxBackoff=" + maxBackoff
                + ", pollDeadline=" + pollDeadline + ", breakerFailureThreshold=" + breakerFailureThreshold
                + ", breakerOpenDuration=" + breakerOpenDuration + ", breakerProbes=" + breakerProbes
                + ", maxConcurrentCalls=" + maxConcurrentCalls + "]";
    }

    private static void requirePositive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration");
        }
    }

    /** Builds {@link OpenWhiskSettings}; defaults suit a production OpenWhisk. */
    public static final class Builder {
        private final String apiHost;
        private final String authKey;
        private String namespace = DEFAULT_NAMESPACE;
        private boolean insecure;
        private Path caFile;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration callTimeout = Duration.ofSeconds(75);
        private int maxRetries = 5;
        private Duration initialBackoff = Duration.ofMillis(200);
        private Duration maxBackoff = Duration.ofSeconds(30);
        private Duration pollDeadline = Duration.ofMinutes(6);
        private int breakerFailureThreshold = 10;
        private Duration breakerOpenDuration = Duration.ofSeconds(30);
        private int breakerProbes = 1;
        private int maxConcurrentCalls = DEFAULT_MAX_CONCURRENT_CALLS;

        private Builder(String apiHost, String authKey) {
            this.apiHost = apiHost;
            this.authKey = authKey;
        }

        public Builder namespace(String value) {
            namespace = value;
            return this;
        }

        public Builder insecure(boolean value) {
            insecure = value;
            return this;
        }

        public Builder caFile(Path value) {
            caFile = value;
            return this;
        }

        public Builder connectTimeout(Duration value) {
            connectTimeout = value;
            return this;
        }

        public Builder callTimeout(Duration value) {
            callTimeout = value;
            return this;
        }

        public Builder maxRetries(int value) {
            maxRetries = value;
            return this;
        }

        public Builder initialBackoff(Duration value) {
            initialBackoff = value;
            return this;
        }

        public Builder maxBackoff(Duration value) {
            maxBackoff = value;
            return this;
        }

        public Builder pollDeadline(Duration value) {
            pollDeadline = value;
            return this;
        }

        public Builder breakerFailureThreshold(int value) {
            breakerFailureThreshold = value;
            return this;
        }

        public Builder breakerOpenDuration(Duration value) {
            breakerOpenDuration = value;
            return this;
        }

        public Builder breakerProbes(int value) {
            breakerProbes = value;
            return this;
        }

        public Builder maxConcurrentCalls(int value) {
            maxConcurrentCalls = value;
            return this;
        }

        public OpenWhiskSettings build() {
            return new OpenWhiskSettings(apiHost, namespace, authKey, insecure, caFile, connectTimeout, callTimeout,
                    maxRetries, initialBackoff, maxBackoff, pollDeadline, breakerFailureThreshold,
                    breakerOpenDuration, breakerProbes, maxConcurrentCalls);
        }
    }
}
