package dev.deja.ops;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.deja.serde.Json;
import dev.deja.topology.DejaTopology;
import dev.deja.model.TableEntry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin endpoint of one Deja process (JDK HTTP server, bound to {@code deja.admin.address}):
 * <ul>
 *   <li>{@code GET /health/ready} (and {@code GET /health}, its older name): 200
 *       {@code {"status":"UP","dedup":"RUNNING","invoker":"RUNNING"}} when every Kafka Streams application
 *       of the process is RUNNING; 503 {@code {"status":"DOWN",...}} with the states otherwise (CREATED
 *       while it waits to start, REBALANCING while restoring or rebalancing, ERROR, PENDING_SHUTDOWN, ...).
 *       For a readiness probe and load balancers.</li>
 *   <li>{@code GET /health/live}: 200 {@code {"status":"UP",...}} while no application of the process has
 *       failed for good (ERROR, PENDING_ERROR, NOT_RUNNING); restoring and rebalancing are alive. For a
 *       liveness probe: it restarts a process that cannot recover, never one that is restoring.</li>
 *   <li>{@code GET /metrics}: the Prometheus text exposition (version 0.0.4).</li>
 *   <li>{@code GET /entries/{dedupKey}} (the key URL-encoded): the {@link TableEntry} JSON of the
 *       {@code dedup-table} store, read by interactive query on the instance that owns the key (a
 *       request reaching another instance is forwarded to the owner's admin endpoint, found through
 *       {@code application.server}); 404 when absent, 503 while the store is not queryable.</li>
 *   <li>{@code GET /md5/{md5}}: a JSON array of the entries of this content under each rule, with the
 *       action versions current in this process (may be empty).</li>
 *   <li>{@code GET /}: the live status page ({@link StatusPage}), with {@code /status.js}, {@code /status.css},
 *       {@code /status.json} (what it polls) and {@code /outputs/{bucket/object}} (the object's latest outputs).
 *       Served with a content security policy that allows this origin only.</li>
 * </ul>
 */
public final class AdminServer implements AutoCloseable {

    public static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final String JSON = "application/json";
    /** The page loads its script, style and data from this origin only, and is framed by no other. */
    static final String PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
            + " img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final Map<String, String> ASSETS = Map.of(
            "/", "status.html", "/status.js", "status.js", "/status.css", "status.css");
    private static final Map<String, String> ASSET_TYPES = Map.of(
            "status.html", "text/html; charset=utf-8", "status.js", "text/javascript; charset=utf-8",
            "status.css", "text/css; charset=utf-8");
    private static final String LOCAL_ONLY = "local=true";
    private static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

    static {
        // Replies without a delayed-ACK stall (see ActionHost); whichever JDK server starts first sets it.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final HostInfo self;
    private final Supplier<Map<String, KafkaStreams.State>> states;
    private final Supplier<String> scrape;
    private final Supplier<KafkaStreams> dedup;
    private final Function<String, List<String>> keysForMd5;
    private final StatusPage page;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private AdminServer(HttpServer server, ExecutorService executor, HostInfo self,
            Supplier<Map<String, KafkaStreams.State>> states, Supplier<String> scrape, Supplier<KafkaStreams> dedup,
            Function<String, List<String>> keysForMd5, StatusPage page) {
        this.server = server;
        this.page = page;
        this.executor = executor;
        this.self = self;
        this.states = states;
        this.scrape = scrape;
        this.dedup = dedup;
        this.keysForMd5 = keysForMd5;
    }

    /**
     * Binds and starts the endpoint.
     *
     * @param address {@code host:port}; port 0 picks a free port ({@link #port()} tells which)
     * @param states the state of each Kafka Streams application of the process, by role name
     * @param scrape the Prometheus text of the process's registry
     * @param dedup the dedup application, or null (read when a request comes, so it may start later)
     * @param keysForMd5 the dedup keys of a content MD5 under the current rules and action versions
     */
    public static AdminServer start(String address, Supplier<Map<String, KafkaStreams.State>> states,
            Supplier<String> scrape, Supplier<KafkaStreams> dedup, Function<String, List<String>> keysForMd5) {
        return start(address, null, states, scrape, dedup, keysForMd5, null);
    }

    /**
     * Binds and starts the endpoint, known to other instances as {@code advertised} ({@code host:port}, the dedup
     * app's {@code application.server}; null: the bound address, or this host's name when bound to every address),
     * serving {@code page} at {@code /} (null: no status page).
     */
    public static AdminServer start(String address, String advertised, Supplier<Map<String, KafkaStreams.State>> states,
            Supplier<String> scrape, Supplier<KafkaStreams> dedup, Function<String, List<String>> keysForMd5,
            StatusPage page) {
        int colon = address.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("admin address must be host:port, was " + address);
        }
        String host = address.substring(0, colon);
        int port = Integer.parseInt(address.substring(colon + 1));
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(host.isEmpty() ? "0.0.0.0" : host, port), 50);
            ExecutorService executor = Executors.newFixedThreadPool(4, runnable -> {
                Thread thread = new Thread(runnable, "deja-admin");
                thread.setDaemon(true);
                return thread;
            });
            server.setExecutor(executor);
            HostInfo self;
            if (advertised != null && !advertised.isBlank()) {
                self = HostInfo.buildFromEndpoint(advertised);
            } else {
                String name = host.isEmpty() || host.equals("0.0.0.0") || host.equals("::")
                        ? InetAddress.getLocalHost().getHostName() : host;
                self = new HostInfo(name, server.getAddress().getPort());
            }
            AdminServer admin = new AdminServer(server, executor, self, states, scrape, dedup, keysForMd5, page);
            server.createContext("/", admin::handle);
            server.start();
            LOG.info("admin endpoint on {} port {}, known to other instances as {}:{} (/ the status page, /health/live,"
                    + " /health/ready, /metrics, /entries/KEY)", host.isEmpty() ? "0.0.0.0" : host, admin.port(), self.host(), self.port());
            return admin;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind the admin endpoint to " + address, e);
        }
    }

    /** The bound port. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code host:port} other instances reach this endpoint at: the dedup app's {@code application.server}. */
    public String advertised() {
        return self.host() + ":" + self.port();
    }

    /** A path segment with every reserved character percent-encoded (for keys in URLs). */
    public static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod())) {
                send(exchange, 405, JSON, error("only GET"));
                return;
            }
            String path = exchange.getRequestURI().getPath();
            boolean localOnly = LOCAL_ONLY.equals(exchange.getRequestURI().getRawQuery());
            if (path.equals("/health") || path.equals("/health/ready")) {
                Map<String, KafkaStreams.State> current = states.get();
                health(exchange, current, ready(current));
            } else if (path.equals("/health/live")) {
                Map<String, KafkaStreams.State> current = states.get();
                health(exchange, current, live(current));
            } else if (path.equals("/metrics")) {
                send(exchange, 200, METRICS_CONTENT_TYPE, scrape.get());
            } else if (path.startsWith("/entries/") && path.length() > "/entries/".length()) {
                Reply reply = entry(path.substring("/entries/".length()), localOnly);
                send(exchange, reply.status(), JSON, reply.body());
            } else if (path.startsWith("/md5/") && path.length() > "/md5/".length()) {
                md5(exchange, path.substring("/md5/".length()));
            } else if (page != null && ASSETS.containsKey(path)) {
                String asset = ASSETS.get(path);
                exchange.getResponseHeaders().set("Content-Security-Policy", PAGE_POLICY);
                exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
                exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
                exchange.getResponseHeaders().set("Cache-Control", "no-cache");
                send(exchange, 200, ASSET_TYPES.get(asset), StatusPage.asset(asset));
            } else if (page != null && path.equals("/status.json")) {
                exchange.getResponseHeaders().set("Cache-Control", "no-store");
                send(exchange, 200, JSON, page.json(System.currentTimeMillis()).toString());
            } else if (page != null && path.startsWith("/outputs/") && path.length() > "/outputs/".length()) {
                send(exchange, 200, JSON, page.outputs(path.substring("/outputs/".length())).toString());
            } else {
                send(exchange, 404, JSON, error("unknown path; try /, /health/live, /health/ready, /metrics, /entries/KEY, /md5/MD5"));
            }
        } catch (RuntimeException e) {
            LOG.warn("admin request {} failed: {}", exchange.getRequestURI().getPath(), e.toString());
        }
    }

    /** Ready: every application RUNNING. */
    static boolean ready(Map<String, KafkaStreams.State> states) {
        return !states.isEmpty() && states.values().stream().allMatch(s -> s == KafkaStreams.State.RUNNING);
    }

    /** Alive: no application failed for good (restoring, rebalancing and waiting to start are alive). */
    static boolean live(Map<String, KafkaStreams.State> states) {
        return states.values().stream().noneMatch(s -> s == KafkaStreams.State.ERROR
                || s == KafkaStreams.State.PENDING_ERROR || s == KafkaStreams.State.NOT_RUNNING);
    }

    private static void health(HttpExchange exchange, Map<String, KafkaStreams.State> current, boolean up) throws IOException {
        ObjectNode body = Json.MAPPER.createObjectNode().put("status", up ? "UP" : "DOWN");
        current.forEach((name, state) -> body.put(name, state.name()));
        send(exchange, up ? 200 : 503, JSON, body.toString());
    }

    private void md5(HttpExchange exchange, String md5) throws IOException {
        ArrayNode found = Json.MAPPER.createArrayNode();
        for (String key : keysForMd5.apply(md5)) {
            Reply reply = entry(key, false);
            if (reply.status() == 200) {
                found.add(Json.MAPPER.readTree(reply.body()));
            } else if (reply.status() != 404) {
                send(exchange, reply.status(), JSON, reply.body());
                return;
            }
        }
        send(exchange, 200, JSON, found.toString());
    }

    private record Reply(int status, String body) {
    }

    private Reply entry(String key, boolean localOnly) {
        KafkaStreams streams = dedup.get();
        if (streams == null) {
            return new Reply(503, error("this process does not run the dedup application"));
        }
        try {
            if (!localOnly) {
                KeyQueryMetadata owner = streams.queryMetadataForKey(DejaTopology.TABLE_STORE, key, Serdes.String().serializer());
                if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
                    return new Reply(503, error("the dedup table is not available (rebalancing?)"));
                }
                if (!owner.activeHost().equals(self)) {
                    return forward(owner.activeHost(), key);
                }
            }
            ReadOnlyKeyValueStore<String, TableEntry> store = streams.store(StoreQueryParameters.fromNameAndType(
                    DejaTopology.TABLE_STORE, QueryableStoreTypes.<String, TableEntry>keyValueStore()));
            TableEntry entry = store.get(key);
            return entry == null ? new Reply(404, error("no entry for " + key))
                    : new Reply(200, Json.MAPPER.writeValueAsString(entry));
        } catch (InvalidStateStoreException e) {
            return new Reply(503, error("the dedup table is not queryable here now: " + e.getMessage()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Reply forward(HostInfo owner, String key) {
        URI uri = URI.create("http://" + owner.host() + ":" + owner.port() + "/entries/" + encode(key) + "?" + LOCAL_ONLY);
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(FORWARD_TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.body());
        } catch (IOException e) {
            return new Reply(502, error("the owner of the key, " + owner.host() + ":" + owner.port() + ", did not answer: " + e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reply(503, error("interrupted"));
        }
    }

    private static String error(String message) {
        return Json.MAPPER.createObjectNode().put("error", message).toString();
    }

    private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        send(exchange, status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] bytes) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
