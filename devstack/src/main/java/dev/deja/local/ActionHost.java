package dev.deja.local;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP server that speaks the part of Apache OpenWhisk's REST API Deja uses, and runs named
 * actions in this JVM: the action host of {@code deja local} and of the whole-stack tests.
 *
 * <p>Endpoints (HTTP Basic auth with {@link #apiKey()} on all of them, else 401):
 * <ul>
 *   <li>{@code POST /api/v1/namespaces/{ns}/actions/{name}?blocking=true[&result=true]}: runs the
 *       action with the JSON body as parameters. 200 with the activation record (or only the result
 *       with {@code result=true}); 502 with the record when the result holds {@code error}
 *       (application error) or the action threw (action developer error); 202
 *       {@code {"activationId"}} when the action is still running after the blocking wait, or for a
 *       non-blocking call; 429 when {@link Options#maxConcurrent()} activations already run; 404 for
 *       an unknown action.</li>
 *   <li>{@code GET /api/v1/namespaces/{ns}/activations/{id}}: 404 until the activation ends, then
 *       its record.</li>
 *   <li>{@code GET /api/v1/namespaces/{ns}/actions/{name}}: {@code name, namespace, version,
 *       exec.kind}.</li>
 * </ul>
 * The namespace {@code _} means the host's namespace. Counters ({@link #invocations(String)},
 * {@link #maxConcurrencySeen()}) let tests and the benchmark check what was called.
 */
public final class ActionHost implements AutoCloseable {

    /** The JDK HTTP server's switch for TCP_NODELAY on the sockets it accepts. */
    public static final String NODELAY_PROPERTY = "sun.net.httpserver.nodelay";

    private static final Logger LOG = LoggerFactory.getLogger(ActionHost.class);

    static {
        // Without TCP_NODELAY the JDK server's reply waits for the client's delayed ACK (about
        // 40 ms on Linux) on every call: with a 50 ms action, 340 calls/s instead of 600 at 32 in
        // flight. OpenWhisk's own front door sets it. Read once, when the first server starts.
        if (System.getProperty(NODELAY_PROPERTY) == null) {
            System.setProperty(NODELAY_PROPERTY, "true");
        }
    }
    private static final Gson GSON = new Gson();
    private static final String API_PREFIX = "/api/v1/namespaces/";
    private static final int KEPT_ACTIVATIONS = 100_000;

    /**
     * @param namespace     the namespace actions live in, e.g. {@code guest}
     * @param maxConcurrent activations running at once; more get 429
     * @param blockingWait  how long a blocking call waits before answering 202
     */
    public record Options(String namespace, int maxConcurrent, Duration blockingWait) {

        public Options {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(blockingWait, "blockingWait");
            if (maxConcurrent < 1) {
                throw new IllegalArgumentException("maxConcurrent must be at least 1");
            }
        }

        /** Namespace {@code guest}, 100 concurrent activations, a 60 s blocking wait (OpenWhisk's). */
        public static Options defaults() {
            return new Options("guest", 100, Duration.ofSeconds(60));
        }
    }

    private record Action(String name, String version, long updated, Function<JsonObject, JsonObject> main,
                          AtomicLong invocations, AtomicInteger activations) {
    }

    private final Options options;
    private final HttpServer server;
    private final ExecutorService actionPool;
    private final ExecutorService httpPool;
    private final String uuid = UUID.randomUUID().toString();
    private final String key;
    private final Map<String, Action> actions = new ConcurrentHashMap<>();
    private volatile Duration gatewayTimeout;
    private final Map<String, Duration> latencies = new ConcurrentHashMap<>();
    /** Finished activations, the most recent {@link #KEPT_ACTIVATIONS} of them. */
    private final Map<String, JsonObject> activations = Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, JsonObject> eldest) {
                    return size() > KEPT_ACTIVATIONS;
                }
            });
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicLong posts = new AtomicLong();
    private final AtomicLong reads = new AtomicLong();
    private final AtomicInteger maxSeen = new AtomicInteger();
    private final AtomicLong lastUpdated = new AtomicLong();

    private ActionHost(Options options) throws IOException {
        this.options = options;
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        this.key = HexFormat.of().formatHex(secret);
        this.actionPool = Executors.newFixedThreadPool(options.maxConcurrent(), daemon("deja-action-"));
        this.httpPool = Executors.newFixedThreadPool(Math.min(options.maxConcurrent(), 64) + 4, daemon("deja-action-http-"));
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        this.server.createContext("/", this::handle);
        this.server.setExecutor(httpPool);
    }

    /** Starts a host on {@code 127.0.0.1} and a free port. */
    public static ActionHost start(Options options) {
        try {
            ActionHost host = new ActionHost(options);
            host.server.start();
            LOG.info("Action host started at {} (namespace {})", host.url(), options.namespace());
            return host;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the action host: " + e.getMessage(), e);
        }
    }

    /**
     * Adds (or replaces, as a delete and create would) an action; {@code main} follows OpenWhisk's
     * Java contract. Its {@code updated} time, as OpenWhisk reports it, is now (later than any before).
     */
    public ActionHost register(String name, String version, Function<JsonObject, JsonObject> main) {
        long updated = lastUpdated.updateAndGet(last -> Math.max(last + 1, System.currentTimeMillis()));
        actions.put(name, new Action(name, version, updated, main, new AtomicLong(), new AtomicInteger()));
        return this;
    }

    /** The action's {@code updated} time (epoch ms), as its description reports it. */
    public long updated(String name) {
        Action action = actions.get(name);
        if (action == null) {
            throw new IllegalArgumentException("no action " + name);
        }
        return action.updated();
    }

    /** Adds an artificial delay before every run of the action (for benchmarks); zero removes it. */
    public void latency(String name, Duration latency) {
        if (latency == null || latency.isZero()) {
            latencies.remove(name);
        } else {
            latencies.put(name, latency);
        }
    }

    /** Base URL, e.g. {@code http://127.0.0.1:41234}; the API is under {@code /api/v1}. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The {@code uuid:key} API key this host accepts. */
    public String apiKey() {
        return uuid + ":" + key;
    }

    public String namespace() {
        return options.namespace();
    }

    /** Activations started for the action (accepted calls, not 429s). */
    public long invocations(String name) {
        Action action = actions.get(name);
        return action == null ? 0 : action.invocations().get();
    }

    /**
     * Stands in for a gateway (nginx in OpenWhisk's standard deployments) that answers 504 to a call still
     * unanswered after {@code timeout}, while the action runs on; {@code null} removes it.
     */
    public void gatewayTimeout(Duration timeout) {
        gatewayTimeout = timeout;
    }

    /** Invocation POSTs received (of any action, answered or refused). */
    public long posts() {
        return posts.get();
    }

    /** Reads of activation records received ({@code GET .../activations/{id}}). */
    public long reads() {
        return reads.get();
    }

    /** The most activations that ran at the same time. */
    public int maxConcurrencySeen() {
        return maxSeen.get();
    }

    /** Stops the server and interrupts running actions. */
    @Override
    public void close() {
        server.stop(0);
        actionPool.shutdownNow();
        httpPool.shutdownNow();
        LOG.info("Action host at {} stopped", url());
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            if (!authorized(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"whisk rest service\"");
                send(exchange, 401, error("The supplied authentication is invalid"));
                return;
            }
            String path = exchange.getRequestURI().getRawPath();
            if (!path.startsWith(API_PREFIX)) {
                send(exchange, 404, error("The requested resource does not exist."));
                return;
            }
            String[] parts = path.substring(API_PREFIX.length()).split("/", 3);
            if (parts.length < 3) {
                send(exchange, 404, error("The requested resource does not exist."));
                return;
            }
            String namespace = "_".equals(parts[0]) ? options.namespace() : decode(parts[0]);
            String collection = parts[1];
            String name = decode(parts[2]);
            String method = exchange.getRequestMethod();
            if ("actions".equals(collection) && "POST".equals(method)) {
                posts.incrementAndGet();
                invoke(exchange, namespace, name);
            } else if ("actions".equals(collection) && "GET".equals(method)) {
                describe(exchange, namespace, name);
            } else if ("activations".equals(collection) && "GET".equals(method)) {
                reads.incrementAndGet();
                JsonObject record = activations.get(name);
                send(exchange, record == null ? 404 : 200,
                        record == null ? error("The requested resource does not exist.") : record);
            } else {
                send(exchange, 405, error("Method not allowed."));
            }
        } catch (RuntimeException e) {
            LOG.warn("action host request {} failed: {}", exchange.getRequestURI().getPath(), e.toString());
            send(exchange, 500, error("whisk internal error"));
        } finally {
            exchange.close();
        }
    }

    private void describe(HttpExchange exchange, String namespace, String name) throws IOException {
        Action action = actions.get(name);
        if (action == null) {
            send(exchange, 404, error("The requested resource does not exist."));
            return;
        }
        JsonObject exec = new JsonObject();
        exec.addProperty("kind", "java");
        JsonObject body = new JsonObject();
        body.addProperty("name", action.name());
        body.addProperty("namespace", namespace);
        body.addProperty("version", action.version());
        body.addProperty("updated", action.updated());
        body.add("exec", exec);
        body.addProperty("publish", false);
        send(exchange, 200, body);
    }

    private void invoke(HttpExchange exchange, String namespace, String name) throws IOException {
        Action action = actions.get(name);
        if (action == null) {
            send(exchange, 404, error("The requested resource does not exist."));
            return;
        }
        JsonObject params;
        try (InputStream in = exchange.getRequestBody()) {
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            JsonElement parsed = body.isBlank() ? new JsonObject() : JsonParser.parseString(body);
            if (!parsed.isJsonObject()) {
                send(exchange, 400, error("The request content was malformed: parameters must be a JSON object."));
                return;
            }
            params = parsed.getAsJsonObject();
        } catch (JsonParseException e) {
            send(exchange, 400, error("The request content was malformed."));
            return;
        }
        int now = running.incrementAndGet();
        if (now > options.maxConcurrent()) {
            running.decrementAndGet();
            send(exchange, 429, error("Too many concurrent requests in flight (count: " + (now - 1)
                    + ", allowed: " + options.maxConcurrent() + ")."));
            return;
        }
        maxSeen.accumulateAndGet(now, Math::max);
        action.invocations().incrementAndGet();
        boolean coldStart = action.activations().getAndIncrement() == 0;
        String activationId = UUID.randomUUID().toString().replace("-", "");
        long accepted = System.currentTimeMillis();
        CompletableFuture<JsonObject> done = CompletableFuture.supplyAsync(
                () -> run(action, namespace, activationId, params, accepted, coldStart), actionPool);
        done.whenComplete((record, error) -> running.decrementAndGet());

        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        boolean blocking = "true".equals(query.get("blocking"));
        boolean resultOnly = "true".equals(query.get("result"));
        if (!blocking) {
            send(exchange, 202, activationIdBody(activationId));
            return;
        }
        Duration gateway = gatewayTimeout;
        if (gateway != null && gateway.compareTo(options.blockingWait()) < 0) {
            try {
                done.get(gateway.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // nginx in front of the controller gives up on a long blocking call; the action runs on.
                send(exchange, 504, "<html><body><h1>504 Gateway Time-out</h1></body></html>");
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                // answered below
            }
        }
        try {
            JsonObject record = done.get(options.blockingWait().toMillis(), TimeUnit.MILLISECONDS);
            JsonObject response = record.getAsJsonObject("response");
            int status = response.get("success").getAsBoolean() ? 200 : 502;
            send(exchange, status, resultOnly ? response.get("result") : record);
        } catch (TimeoutException e) {
            send(exchange, 202, activationIdBody(activationId));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            send(exchange, 503, error("The server is currently unavailable."));
        } catch (ExecutionException e) {
            send(exchange, 500, error("whisk internal error"));
        }
    }

    private JsonObject run(Action action, String namespace, String activationId, JsonObject params, long accepted,
                           boolean coldStart) {
        long start = System.currentTimeMillis();
        JsonObject result;
        String status;
        int statusCode;
        try {
            Duration latency = latencies.get(action.name());
            if (latency != null) {
                Thread.sleep(latency.toMillis());
            }
            result = action.main().apply(params.deepCopy());
            if (result == null) {
                result = new JsonObject();
            }
            boolean failed = result.has("error");
            status = failed ? "application error" : "success";
            statusCode = failed ? 1 : 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result = error("The action did not complete: the host is shutting down.");
            status = "action developer error";
            statusCode = 2;
        } catch (RuntimeException | Error e) {
            result = error("An error has occurred: " + e);
            status = "action developer error";
            statusCode = 2;
        }
        long end = System.currentTimeMillis();
        JsonObject response = new JsonObject();
        response.addProperty("status", status);
        response.addProperty("statusCode", statusCode);
        response.addProperty("success", statusCode == 0);
        response.add("result", result);

        JsonArray annotations = new JsonArray();
        annotations.add(annotation("path", namespace + "/" + action.name()));
        annotations.add(annotation("waitTime", start - accepted));
        annotations.add(annotation("kind", "java:default"));
        annotations.add(annotation("timeout", false));
        JsonObject limits = new JsonObject();
        limits.addProperty("concurrency", 1);
        limits.addProperty("logs", 10);
        limits.addProperty("memory", 256);
        limits.addProperty("timeout", 60_000);
        annotations.add(annotation("limits", limits));
        if (coldStart) {
            annotations.add(annotation("initTime", 0));
        }

        JsonObject record = new JsonObject();
        record.addProperty("activationId", activationId);
        record.addProperty("namespace", namespace);
        record.addProperty("name", action.name());
        record.addProperty("version", action.version());
        record.addProperty("subject", namespace);
        record.addProperty("start", start);
        record.addProperty("end", end);
        record.addProperty("duration", end - start);
        record.add("response", response);
        record.add("annotations", annotations);
        record.add("logs", new JsonArray());
        record.addProperty("publish", false);
        activations.put(activationId, record);
        return record;
    }

    private boolean authorized(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        byte[] given;
        try {
            given = Base64.getDecoder().decode(header.substring(6).trim());
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(given, apiKey().getBytes(StandardCharsets.UTF_8));
    }

    private static JsonObject annotation(String key, Object value) {
        JsonObject annotation = new JsonObject();
        annotation.addProperty("key", key);
        annotation.add("value", GSON.toJsonTree(value));
        return annotation;
    }

    private static JsonObject error(String message) {
        JsonObject body = new JsonObject();
        body.addProperty("error", message);
        return body;
    }

    private static JsonObject activationIdBody(String activationId) {
        JsonObject body = new JsonObject();
        body.addProperty("activationId", activationId);
        return body;
    }

    private static void send(HttpExchange exchange, int status, String html) throws IOException {
        byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/html");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static void send(HttpExchange exchange, int status, JsonElement body) throws IOException {
        byte[] bytes = GSON.toJson(body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> params = new ConcurrentHashMap<>();
        if (rawQuery == null) {
            return params;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            params.put(name, value);
        }
        return params;
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
