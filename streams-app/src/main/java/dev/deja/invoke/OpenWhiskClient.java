package dev.deja.invoke;

import dev.deja.model.DedupKey;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.deja.serde.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.Credentials;
import okhttp3.Dispatcher;
import okhttp3.EventListener;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deja's client of the OpenWhisk REST API, asynchronous over OkHttp: no method blocks the caller.
 *
 * <p>{@link #invoke} makes one invocation: non-blocking (OpenWhisk answers 202 with the activation id in
 * milliseconds) or blocking ({@code ?blocking=true}: the record, or 202 when OpenWhisk's blocking wait ran out).
 * {@link #activation} reads an activation's record once (404 until it is stored). Each exchange is classified into
 * a {@link CallResult}. The client never sends an invocation twice and never retries (the {@link Invoker}
 * decides); it tells a request that never left ({@link CallResult.Kind#TRANSIENT}) from one whose fate is unknown
 * ({@link CallResult.Kind#UNCERTAIN}). Futures never complete exceptionally. Messages and exceptions never contain
 * the API key or the Authorization header.
 *
 * <p>Action names are {@code name}, {@code pkg/name} or fully qualified {@code /namespace/[pkg/]name}.
 */
public final class OpenWhiskClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OpenWhiskClient.class);
    private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
    private static final int MAX_ERROR_CHARS = 2_000;

    private final OpenWhiskSettings settings;
    private final OkHttpClient http;
    private final OkHttpClient reads;
    private final boolean ownsConnectionPool;
    private final HttpUrl apiUrl;
    private final String authorization;
    private volatile ResponseObserver observer = (operation, action, status) -> { };

    /** Told of every HTTP exchange with OpenWhisk (for metrics); must be quick and never throw. */
    @FunctionalInterface
    public interface ResponseObserver {
        /**
         * @param operation {@code invoke}, {@code activation} (reading a record) or {@code action} (reading a version)
         * @param action the action the exchange was about
         * @param status the HTTP status, or -1 when no answer came (refused, reset, timed out)
         */
        void response(String operation, String action, int status);
    }

    /** A client with its own OkHttp connection pool. */
    public OpenWhiskClient(OpenWhiskSettings settings) {
        // Keep as many idle connections as calls may run at once (OkHttp keeps 5 by default): at
        // full concurrency, every call beyond the fifth would otherwise open a new connection.
        this(settings, new OkHttpClient.Builder()
                .connectionPool(new ConnectionPool(settings.maxConcurrentCalls(), 5, TimeUnit.MINUTES)).build(), true);
    }

    /**
     * A client that shares {@code shared}'s connection pool; timeouts, TLS and the dispatcher are its own
     * (a {@link OkHttpClient#newBuilder()} variant).
     */
    public OpenWhiskClient(OpenWhiskSettings settings, OkHttpClient shared) {
        this(settings, shared, false);
    }

    private OpenWhiskClient(OpenWhiskSettings settings, OkHttpClient base, boolean ownsConnectionPool) {
        this.settings = settings;
        this.ownsConnectionPool = ownsConnectionPool;
        this.apiUrl = HttpUrl.get(settings.apiHost());
        this.authorization = Credentials.basic(settings.authUser(), settings.authPassword());
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(settings.maxConcurrentCalls());
        dispatcher.setMaxRequestsPerHost(settings.maxConcurrentCalls());
        OkHttpClient.Builder builder = base.newBuilder()
                .dispatcher(dispatcher)
                .eventListener(SENT_TRACKER)
                .connectTimeout(settings.connectTimeout())
                .readTimeout(settings.callTimeout())
                .writeTimeout(settings.callTimeout())
                .callTimeout(settings.callTimeout())
                .retryOnConnectionFailure(false);
        configureTls(builder, settings);
        this.http = builder.build();
        // A server drops idle connections (the JDK's HTTP server after 30 s, nginx after 75 s) while
        // OkHttp keeps them 5 minutes, and checks a pooled one less before a GET: a GET then failed
        // with "unexpected end of stream". GETs are safe to send again, on a new connection;
        // invocations never are sent twice by the HTTP client (the invoker retries, with backoff).
        this.reads = http.newBuilder().retryOnConnectionFailure(true).build();
    }

    /** Replaces the observer of HTTP answers (none by default). */
    public void observe(ResponseObserver observer) {
        this.observer = observer;
    }

    /** The settings this client was built with. */
    public OpenWhiskSettings settings() {
        return settings;
    }

    /**
     * Invokes {@code action} with {@code params}, once.
     *
     * @param blocking {@code false}: OpenWhisk answers 202 with the activation id at once ({@link CallResult.Kind#ACCEPTED});
     *                 {@code true}: it waits for the activation (up to its blocking limit) and answers with the record
     * @return a future that always completes normally with the classified outcome
     */
    public CompletableFuture<CallResult> invoke(String action, JsonNode params, boolean blocking) {
        Sent sent = new Sent();
        try {
            HttpUrl url = actionUrl(action).newBuilder().addQueryParameter("blocking", String.valueOf(blocking)).build();
            byte[] body = Json.MAPPER.writeValueAsBytes(params == null ? Json.object() : params);
            Request request = new Request.Builder()
                    .url(url)
                    .header("Authorization", authorization)
                    .header("Accept", "application/json")
                    .tag(Sent.class, sent)
                    .post(RequestBody.create(body, JSON))
                    .build();
            return send(request, "invoke", action)
                    .thenApply(reply -> onInvokeReply(action, reply))
                    .exceptionally(error -> sent.get()
                            ? CallResult.uncertain(sanitize("invoking action '" + action + "' at " + apiUrl.host()
                                    + ": " + describe(error) + " after the request was sent"), 0, 1)
                            : networkFailure("invoking action '" + action + "'", error, 1));
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.completedFuture(CallResult.failure(CallResult.REJECTED,
                    sanitize("cannot build the invocation of action '" + action + "': " + e.getMessage()),
                    null, 0, 0));
        }
    }

    /**
     * Reads the record of activation {@code activationId} once: {@link CallResult.Kind#PENDING} while OpenWhisk has
     * not stored it (404), {@link CallResult.Kind#TRANSIENT} when the read failed, else the activation's outcome.
     */
    public CompletableFuture<CallResult> activation(String action, String activationId) {
        HttpUrl url = namespaceUrl(settings.namespace()).newBuilder()
                .addPathSegment("activations")
                .addPathSegment(activationId)
                .build();
        Request request = new Request.Builder().url(url).header("Authorization", authorization)
                .header("Accept", "application/json").get().build();
        return send(request, "activation", action).thenApply(reply -> {
            if (reply.code() == 404) {
                return CallResult.pending(404, 1);
            }
            if (reply.code() == 200) {
                CallResult result = classify(action, reply, 1);
                // A 200 whose body is not a record says nothing about the activation: read it again.
                return result.kind() == CallResult.Kind.UNCERTAIN
                        ? CallResult.transientFailure(CallResult.UNAVAILABLE, result.message(), null, 200, 1)
                        : result;
            }
            return CallResult.transientFailure(CallResult.UNAVAILABLE,
                    sanitize("reading activation " + activationId + ": " + statusMessage(action, reply)), null,
                    reply.code(), 1);
        }).exceptionally(error -> networkFailure("reading activation " + activationId, error, 1));
    }

    /**
     * Reads the current version of {@code action} ({@code GET .../actions/{name}}): its {@code
     * version}, with its {@code updated} time where OpenWhisk gives one ({@link DedupKey#functionVersion}),
     * so that an action deleted and created again has a new one even at the same version number.
     *
     * @return a future of the version; completes exceptionally with {@link OpenWhiskException} on failure
     */
    public CompletableFuture<String> actionVersion(String action) {
        Request request;
        try {
            request = new Request.Builder()
                    .url(actionUrl(action))
                    .header("Authorization", authorization)
                    .header("Accept", "application/json")
                    .get()
                    .build();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new OpenWhiskException(
                    sanitize("bad action name '" + action + "': " + e.getMessage()), 0, null));
        }
        CompletableFuture<String> version = new CompletableFuture<>();
        send(request, "action", action).whenComplete((reply, error) -> {
            if (error != null) {
                version.completeExceptionally(new OpenWhiskException(sanitize("cannot read the version of action '"
                        + action + "' from " + apiUrl.host() + ": " + describe(error)), 0, null));
            } else if (reply.code() == 200) {
                JsonNode node = parseOrNull(reply.body());
                if (node != null && node.hasNonNull("version")) {
                    JsonNode updated = node.get("updated");
                    version.complete(DedupKey.functionVersion(node.get("version").asText(),
                            updated != null && updated.canConvertToLong() ? updated.asLong() : null));
                } else {
                    version.completeExceptionally(new OpenWhiskException(
                            "OpenWhisk returned no version for action '" + action + "'", 200, null));
                }
            } else {
                version.completeExceptionally(new OpenWhiskException(sanitize("cannot read the version of action '"
                        + action + "': " + statusMessage(action, reply)), reply.code(), null));
            }
        });
        return version;
    }

    /** Stops this client's dispatcher; the connection pool too when it is not shared. */
    @Override
    public void close() {
        http.dispatcher().executorService().shutdown();
        if (ownsConnectionPool) {
            http.connectionPool().evictAll();
        }
    }

    // --- invocation -------------------------------------------------------------------------------------------

    private CallResult onInvokeReply(String action, Reply reply) {
        if (reply.code() == 202) {
            JsonNode node = parseOrNull(reply.body());
            String activationId = node == null ? null : node.path("activationId").asText(null);
            if (activationId == null) {
                return CallResult.uncertain("OpenWhisk answered 202 without an activationId for action '" + action + "'",
                        202, 1);
            }
            return CallResult.accepted(activationId, 202, 1);
        }
        return classify(action, reply, 1);
    }

    /** Classifies a response that is not a 202. */
    private CallResult classify(String action, Reply reply, int calls) {
        int code = reply.code();
        JsonNode node = parseOrNull(reply.body());
        Activation activation = Activation.isRecord(node) ? Activation.parse(node) : null;
        if (code == 200) {
            if (node == null) {
                return CallResult.uncertain(
                        "OpenWhisk answered 200 with a body that is not JSON for action '" + action + "'", code, calls);
            }
            if (activation == null) {
                // A bare result (result=true style): the action succeeded.
                return CallResult.success(new Activation(null, null, null, null, Activation.STATUS_SUCCESS, true,
                        node, null, null, null, null, null), code, calls);
            }
            return fromActivation(action, activation, code, calls);
        }
        if (code == 502) {
            if (activation != null) {
                return fromActivation(action, activation, code, calls);
            }
            // A 502 without an activation record comes from a proxy in front of OpenWhisk, not from the action:
            // the controller may have taken the request.
            return CallResult.uncertain("bad gateway (502) without an activation record invoking action '" + action
                    + "'", code, calls);
        }
        if (code == 500) {
            if (activation != null) {
                return fromActivation(action, activation, code, calls);
            }
            return CallResult.uncertain(sanitize("whisk internal error (500) invoking action '" + action + "'"
                    + errorSuffix(node, null)), code, calls);
        }
        if (code == 429) {
            return CallResult.transientFailure(CallResult.UNAVAILABLE,
                    sanitize("throttled (429) invoking action '" + action + "'" + errorSuffix(node, activation)),
                    activation, code, calls);
        }
        if (code >= 500 && code != 503) {
            // A gateway's 504 (its wait for the controller ran out) and the like: the action may be running.
            return CallResult.uncertain(sanitize("OpenWhisk answered " + code + " invoking action '" + action + "'"
                    + errorSuffix(node, activation)), code, calls);
        }
        if (code == 503 || code == 408) {
            // Refused before it was taken: overloaded (503) or the request itself timed out (408).
            return CallResult.transientFailure(CallResult.UNAVAILABLE,
                    sanitize("OpenWhisk unavailable (" + code + ") invoking action '" + action + "'"
                            + errorSuffix(node, activation)), activation, code, calls);
        }
        if (code == 413) {
            return CallResult.failure(CallResult.PAYLOAD_TOO_LARGE,
                    sanitize("payload too large (413) for action '" + action + "'" + errorSuffix(node, activation)),
                    activation, code, calls);
        }
        return CallResult.failure(CallResult.REJECTED, sanitize(statusMessage(action, reply)), activation, code,
                calls);
    }

    private CallResult fromActivation(String action, Activation activation, int code, int calls) {
        if (activation.success() && Activation.STATUS_SUCCESS.equals(activation.status())) {
            return CallResult.success(activation, code, calls);
        }
        String error = activation.error();
        String message = sanitize(truncate(activation.status() + " in action '" + action + "' (activation "
                + activation.activationId() + ")" + (error == null ? "" : ": " + error)));
        return CallResult.failure(activation.status(), message, activation, code, calls);
    }

    // --- HTTP plumbing ----------------------------------------------------------------------------------------

    /** Set once OkHttp starts writing an invocation's request: from then on a failure leaves its fate unknown. */
    private static final class Sent extends java.util.concurrent.atomic.AtomicBoolean {
    }

    /** Marks a request {@link Sent} when its headers start to go out. */
    private static final EventListener SENT_TRACKER = new EventListener() {
        @Override
        public void requestHeadersStart(Call call) {
            Sent sent = call.request().tag(Sent.class);
            if (sent != null) {
                sent.set(true);
            }
        }
    };

    /** The status and body of a response, read in full and closed. */
    private record Reply(int code, String body) {
    }

    private CompletableFuture<Reply> send(Request request, String operation, String action) {
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        (request.method().equals("GET") ? reads : http).newCall(request).enqueue(new Callback() {
            @Override
            public void onFailure(Call call, IOException e) {
                observe(operation, action, -1);
                reply.completeExceptionally(e);
            }

            @Override
            public void onResponse(Call call, Response response) {
                observe(operation, action, response.code());
                try (response) {
                    ResponseBody body = response.body();
                    reply.complete(new Reply(response.code(), body.string()));
                } catch (IOException | RuntimeException e) {
                    reply.completeExceptionally(e);
                }
            }
        });
        return reply;
    }

    private void observe(String operation, String action, int status) {
        try {
            observer.response(operation, action, status);
        } catch (RuntimeException e) {
            LOG.debug("response observer failed: {}", e.toString());
        }
    }

    HttpUrl actionUrl(String action) {
        if (action == null || action.isBlank()) {
            throw new IllegalArgumentException("action name is empty");
        }
        String namespace = settings.namespace();
        String path = action;
        if (action.startsWith("/")) {
            String[] parts = action.substring(1).split("/", 2);
            if (parts.length < 2 || parts[0].isEmpty()) {
                throw new IllegalArgumentException("fully qualified action must be /namespace/[package/]name");
            }
            namespace = parts[0];
            path = parts[1];
        }
        String[] segments = path.split("/", -1);
        if (segments.length > 2) {
            throw new IllegalArgumentException("action must be name or package/name");
        }
        HttpUrl.Builder url = namespaceUrl(namespace).newBuilder().addPathSegment("actions");
        for (String segment : segments) {
            if (segment.isEmpty()) {
                throw new IllegalArgumentException("action has an empty path segment");
            }
            url.addPathSegment(segment);
        }
        return url.build();
    }

    private HttpUrl namespaceUrl(String namespace) {
        return apiUrl.newBuilder()
                .addPathSegment("api")
                .addPathSegment("v1")
                .addPathSegment("namespaces")
                .addPathSegment(namespace)
                .build();
    }

    private String statusMessage(String action, Reply reply) {
        String openWhiskError = errorSuffix(parseOrNull(reply.body()), null);
        return switch (reply.code()) {
            case 401 -> "OpenWhisk rejected the API key (401 Unauthorized) calling action '" + action
                    + "' in namespace '" + settings.namespace() + "'; check the configured key" + openWhiskError;
            case 403 -> "not allowed (403 Forbidden) to use action '" + action + "' in namespace '"
                    + settings.namespace() + "'" + openWhiskError;
            case 404 -> "action '" + action + "' not found (404) in namespace '" + settings.namespace() + "' at "
                    + apiUrl.host() + openWhiskError;
            default -> "OpenWhisk answered " + reply.code() + " for action '" + action + "'" + openWhiskError;
        };
    }

    private static String errorSuffix(JsonNode node, Activation activation) {
        String error = activation != null ? activation.error() : null;
        if (error == null && node != null && node.hasNonNull("error")) {
            error = node.get("error").isTextual() ? node.get("error").asText() : node.get("error").toString();
        }
        return error == null ? "" : ": " + truncate(error);
    }

    private CallResult networkFailure(String what, Throwable error, int calls) {
        return CallResult.transientFailure(CallResult.UNAVAILABLE,
                sanitize(what + " at " + apiUrl.host() + ": " + describe(error)), null, 0, calls);
    }

    private static String describe(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof java.util.concurrent.CompletionException
                || cause instanceof java.util.concurrent.ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String kind = cause instanceof InterruptedIOException ? "timeout" : cause.getClass().getSimpleName();
        return cause.getMessage() == null ? kind : kind + ": " + cause.getMessage();
    }

    private static JsonNode parseOrNull(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            JsonNode node = Json.MAPPER.readTree(body);
            return node instanceof NullNode ? null : node;
        } catch (IOException e) {
            return null;
        }
    }

    private static String truncate(String text) {
        return text.length() <= MAX_ERROR_CHARS ? text : text.substring(0, MAX_ERROR_CHARS) + "...";
    }

    /** Defence in depth: whatever a server echoes back, the key and its Basic form never leave this class. */
    String sanitize(String message) {
        if (message == null) {
            return null;
        }
        String clean = message.replace(settings.authKey(), "****")
                .replace(authorization.substring("Basic ".length()), "****");
        // The password alone, unless it is so short that masking it would garble ordinary words.
        return settings.authPassword().length() >= 8 ? clean.replace(settings.authPassword(), "****") : clean;
    }

    // --- TLS --------------------------------------------------------------------------------------------------

    private static void configureTls(OkHttpClient.Builder builder, OpenWhiskSettings settings) {
        try {
            if (settings.insecure()) {
                LOG.warn("TLS certificate and host name checks are OFF for OpenWhisk at {} (insecure=true)",
                        settings.apiHost());
                X509TrustManager trustAll = new TrustAllManager();
                builder.sslSocketFactory(sslContext(trustAll).getSocketFactory(), trustAll)
                        .hostnameVerifier((host, session) -> true);
            } else if (settings.caFile() != null) {
                X509TrustManager trust = trustManagerFor(settings);
                builder.sslSocketFactory(sslContext(trust).getSocketFactory(), trust);
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot set up TLS for OpenWhisk from caFile " + settings.caFile()
                    + ": " + e.getMessage(), e);
        }
    }

    private static X509TrustManager trustManagerFor(OpenWhiskSettings settings)
            throws IOException, GeneralSecurityException {
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(settings.caFile())) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
        if (certificates.isEmpty()) {
            throw new GeneralSecurityException("no certificate in " + settings.caFile());
        }
        KeyStore keyStore = KeyStore.getInstance(KeyStore.getDefaultType());
        keyStore.load(null, null);
        int index = 0;
        for (Certificate certificate : certificates) {
            keyStore.setCertificateEntry("openwhisk-ca-" + index++, certificate);
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(keyStore);
        return List.of(factory.getTrustManagers()).stream()
                .filter(X509TrustManager.class::isInstance)
                .map(X509TrustManager.class::cast)
                .findFirst()
                .orElseThrow(() -> new GeneralSecurityException("no X509 trust manager"));
    }

    private static SSLContext sslContext(X509TrustManager trust) throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {trust}, null);
        return context;
    }

    /** Trusts every certificate: only with the explicit {@code insecure} opt-in. */
    private static final class TrustAllManager implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
