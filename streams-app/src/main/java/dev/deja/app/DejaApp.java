package dev.deja.app;

import dev.deja.config.DejaConfig;
import dev.deja.invoke.ActionVersions;
import dev.deja.invoke.Invoker;
import dev.deja.invoke.InvokerSettings;
import dev.deja.invoke.OpenWhiskClient;
import dev.deja.invoke.OpenWhiskSettings;
import dev.deja.invoke.ResultStore;
import dev.deja.mirror.CouchSettings;
import dev.deja.mirror.Mirror;
import dev.deja.ops.AdminServer;
import dev.deja.ops.DejaMetrics;
import dev.deja.ops.Status;
import dev.deja.ops.StatusHistory;
import dev.deja.ops.StatusPage;
import dev.deja.ops.SummaryLog;
import dev.deja.s3.ContentHasher;
import dev.deja.s3.S3Clients;
import dev.deja.s3.S3ContentHashing;
import dev.deja.s3.S3ResultStore;
import dev.deja.s3.S3Settings;
import dev.deja.topology.ContentHashing;
import dev.deja.model.DedupKey;
import dev.deja.topology.DejaTopology;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.minio.MinioClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Deja process: config in, Kafka Streams applications, clients and admin endpoint out.
 * {@link Role#ALL} runs the dedup and invoker applications side by side; the other roles run one.
 */
public final class DejaApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DejaApp.class);
    private static final Duration VERSION_WAIT = Duration.ofSeconds(30);
    private static final Duration VERSION_RETRY = Duration.ofSeconds(5);
    private static final Duration VERSION_LOG_EVERY = Duration.ofSeconds(60);
    /** Stream thread failures within {@link #THREAD_FAILURE_WINDOW} after which the application stops. */
    static final int MAX_THREAD_FAILURES = 3;
    static final Duration THREAD_FAILURE_WINDOW = Duration.ofMinutes(5);

    private final DejaConfig config;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final DejaMetrics metrics;
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final List<KafkaStreams> streams = new ArrayList<>();
    /** The topics of the configuration each application reads, by application id. */
    private final Map<String, Set<String>> topicsRead = new LinkedHashMap<>();
    private volatile KafkaStreams dedup;
    private volatile KafkaStreams invokerStreams;
    private Invoker invoker;
    private volatile ActionVersions versions;
    private AdminServer admin;
    private volatile Role role;
    private final CountDownLatch closing = new CountDownLatch(1);
    private boolean closed;
    private Thread mirrorThread;
    private final CompletableFuture<String> failure = new CompletableFuture<>();

    private DejaApp(DejaConfig config) {
        this.config = config;
        this.metrics = new DejaMetrics(registry, config.getLong(DejaConfig.SLA_TARGET_CONFIG));
    }

    /** Starts the parts of Deja {@code role} asks for; fails with a clear message on bad config or topics. */
    public static DejaApp start(DejaConfig config, Role role) {
        return create(config).run(role);
    }

    /** A process not started yet: {@link #close} may be called (by a shutdown hook) before and while {@link #run} runs. */
    public static DejaApp create(DejaConfig config) {
        return new DejaApp(config);
    }

    /**
     * Starts the parts of Deja {@code role} asks for. The dedup part first waits for every rule's action to
     * exist in OpenWhisk (logging what it waits for), until {@link #close}.
     *
     * @return this
     * @throws RuntimeException on bad config or topics, or when closed while starting (everything started is closed)
     */
    public DejaApp run(Role role) {
        try {
            startParts(role);
            return this;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void startParts(Role role) {
        this.role = role;
        OpenWhiskSettings openWhisk = openWhiskSettings(config);
        try (Admin admin = Admin.create(config.clientProperties())) {
            TopicSetup.ensure(admin, config);
        }
        // One connection pool for OpenWhisk and S3, keeping as many idle connections as calls and
        // reads may run at once (OkHttp keeps 5 by default, and would reconnect for the others).
        int connections = openWhisk.maxConcurrentCalls() + config.getInt(DejaConfig.HASH_MAX_IN_FLIGHT_CONFIG);
        OkHttpClient http = S3Clients.httpClient().newBuilder()
                .connectionPool(new ConnectionPool(connections, 5, TimeUnit.MINUTES)).build();
        OpenWhiskClient client = track(new OpenWhiskClient(openWhisk, http));
        metrics.bindProcessMeters();
        metrics.openWhiskResponses(client);
        MinioClient minio = s3(config, http);
        String adminAddress = config.getString(DejaConfig.ADMIN_ADDRESS_CONFIG);
        if (!adminAddress.isBlank()) {
            // application.server (e.g. the pod's DNS name on Kubernetes) is how other instances reach this one
            Object server = config.originals().get(StreamsConfig.APPLICATION_SERVER_CONFIG);
            StatusHistory history = track(StatusHistory.start(metrics));
            Status status = new Status(config);
            StatusPage page = new StatusPage(metrics, history, this::states,
                    path -> status.latestOutputs(path).stream().map(Status.LatestOutput::record).toList());
            admin = track(AdminServer.start(adminAddress, server == null ? null : server.toString(), this::states,
                    registry::scrape, () -> dedup, this::dedupKeysOf, page));
        }
        metrics.streamsGauges(this::states, role == Role.ALL ? List.of("dedup", "invoker")
                : List.of(role.runsDedup() ? "dedup" : "invoker"));
        track(SummaryLog.start(metrics, SummaryLog.DEFAULT_PERIOD));

        if (role.runsInvoker()) {
            ResultStore results = minio == null ? null : new S3ResultStore(minio, config.getString(DejaConfig.RESULTS_BUCKET_CONFIG));
            invoker = track(new Invoker(client, results,
                    InvokerSettings.from(openWhisk, config.getInt(DejaConfig.RESULT_INLINE_MAX_CONFIG))
                            .withBlocking(config.getBoolean(DejaConfig.INVOKER_BLOCKING_CONFIG)), Clock.systemUTC()));
            metrics.invokerGauges(invoker);
            Semaphore inFlight = new Semaphore(config.getInt(DejaConfig.INVOKER_MAX_IN_FLIGHT_CONFIG));
            invokerStreams = launch(DejaTopology.buildInvoker(config, invoker, inFlight, metrics),
                    DejaTopology.invokerApplicationId(config));
        }
        if (role.runsDedup()) {
            List<String> actions = config.rules().stream().map(rule -> rule.action()).distinct().toList();
            versions = track(new ActionVersions(client, actions));
            awaitActions(versions, actions);
            versions.start(Duration.ofMillis(config.getLong(DejaConfig.OPENWHISK_VERSION_REFRESH_CONFIG)));
            LOG.info("action versions: {}", versions.snapshot());
            ContentHashing hashing = minio == null ? ContentHashing.UNAVAILABLE : S3ContentHashing.of(track(new ContentHasher(minio,
                    new ContentHasher.Limits(config.getInt(DejaConfig.HASH_MAX_IN_FLIGHT_CONFIG), 10_000,
                            config.getLong(DejaConfig.HASH_MAX_OBJECT_BYTES_CONFIG), 5, Duration.ofMillis(200),
                            Duration.ofSeconds(10)))));
            dedup = launch(DejaTopology.buildDedup(config, versions::versionOf, hashing, metrics),
                    config.getString(DejaConfig.APPLICATION_ID_CONFIG));
        }
        // Kafka Streams alone does not always notice a deleted source topic (see SourceTopicWatch): ask the broker.
        track(SourceTopicWatch.start(config.clientProperties(), topicsRead, SourceTopicWatch.DEFAULT_PERIOD,
                (applicationId, topic) -> failure.complete(applicationId + " stopped: source topic " + topic
                        + " no longer exists")));
        if (config.getBoolean(DejaConfig.MIRROR_ENABLED_CONFIG)) {
            Mirror mirror = track(new Mirror(config.streamsProperties(), config.getString(DejaConfig.TABLE_TOPIC_CONFIG),
                    couchSettings(config), config.getString(DejaConfig.DLQ_TOPIC_CONFIG)));
            metrics.mirrorGauge(mirror);
            Thread thread = new Thread(mirror, "deja-mirror");
            thread.setDaemon(true);
            mirrorThread = thread;
            thread.start();
        }
    }

    /**
     * Waits until the version of every rule action can be read: an action not deployed yet (OpenWhisk
     * standalone forgets its actions when it restarts) or OpenWhisk still starting is a wait with a clear
     * log line, not a failed start. Ends early, with an exception, when the process is closed.
     */
    private void awaitActions(ActionVersions versions, List<String> actions) {
        long started = System.nanoTime();
        long lastLog = 0;
        while (true) {
            try {
                versions.awaitInitial(VERSION_WAIT);
                if (lastLog != 0) {
                    LOG.info("OpenWhisk action(s) {} found after {} s: starting dedup", actions,
                            Duration.ofNanos(System.nanoTime() - started).toSeconds());
                }
                return;
            } catch (IllegalStateException e) {
                long now = System.nanoTime();
                if (lastLog == 0 || now - lastLog >= VERSION_LOG_EVERY.toNanos()) {
                    LOG.warn("Waiting for OpenWhisk action(s) {} at {} (waited {} s; dedup starts once each exists,"
                                    + " checking every {} s): {}", actions, config.getString(DejaConfig.OPENWHISK_API_HOST_CONFIG),
                            Duration.ofNanos(now - started).toSeconds(), VERSION_RETRY.toSeconds(), e.getMessage());
                    lastLog = now;
                }
            }
            try {
                if (closing.await(VERSION_RETRY.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException("stopped while waiting for OpenWhisk action(s) " + actions);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for OpenWhisk action(s) " + actions, e);
            }
        }
    }

    /** The CouchDB mirror's settings; the password comes from env or a file, like every secret. */
    public static CouchSettings couchSettings(DejaConfig config) {
        String url = config.getString(DejaConfig.COUCHDB_URL_CONFIG);
        if (url.isBlank()) {
            throw new ConfigException(DejaConfig.COUCHDB_URL_CONFIG, url, "the CouchDB URL is required for the mirror");
        }
        String user = config.getString(DejaConfig.COUCHDB_USERNAME_CONFIG);
        return CouchSettings.of(url, config.getString(DejaConfig.COUCHDB_DATABASE_CONFIG), user.isBlank() ? null : user,
                config.secret(DejaConfig.COUCHDB_PASSWORD_CONFIG));
    }

    private synchronized KafkaStreams launch(Topology topology, String applicationId) {
        if (closed) {
            throw new IllegalStateException("stopped while starting");
        }
        Properties props = DejaTopology.properties(config, applicationId);
        if (admin != null && applicationId.equals(config.getString(DejaConfig.APPLICATION_ID_CONFIG))) {
            // interactive queries of the dedup table find the owner of a key through its admin endpoint
            props.putIfAbsent(StreamsConfig.APPLICATION_SERVER_CONFIG, admin.advertised());
        }
        KafkaStreams kafkaStreams = new KafkaStreams(topology, props);
        topicsRead.put(applicationId, SourceTopicWatch.topicsRead(topology.describe(), config));
        boolean invokes = applicationId.equals(DejaTopology.invokerApplicationId(config));
        ThreadFailures failures = new ThreadFailures(MAX_THREAD_FAILURES, THREAD_FAILURE_WINDOW);
        kafkaStreams.setStateListener((now, before) -> {
            LOG.info("{}: {} -> {}", applicationId, before, now);
            if (now == KafkaStreams.State.ERROR) {
                failure.complete(applicationId + " stopped (Kafka Streams state ERROR)"
                        + (failures.last() == null ? "" : ": " + failures.last()));
            }
            if (invokes) {
                // Called on the stream thread before it commits revoked tasks: no new invocation until the tasks
                // have moved, and the commit hook waits for the ones in flight.
                if (now == KafkaStreams.State.RUNNING) {
                    invoker.resume();
                } else {
                    invoker.drain();
                }
            }
        });
        kafkaStreams.setUncaughtExceptionHandler(error -> {
            if (failures.failed(error)) {
                LOG.error("{}: stream thread failed, replacing it", applicationId, error);
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
            }
            // Failing over and over, the process does no work: stop, so that it exits and its supervisor sees it.
            LOG.error("{}: stream threads failed {} times within {}; stopping", applicationId, MAX_THREAD_FAILURES,
                    THREAD_FAILURE_WINDOW, error);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        new KafkaStreamsMetrics(kafkaStreams).bindTo(registry);
        streams.add(kafkaStreams);
        kafkaStreams.start();
        return kafkaStreams;
    }

    static OpenWhiskSettings openWhiskSettings(DejaConfig config) {
        String apiHost = config.getString(DejaConfig.OPENWHISK_API_HOST_CONFIG);
        if (apiHost.isBlank()) {
            throw new ConfigException(DejaConfig.OPENWHISK_API_HOST_CONFIG, apiHost, "the OpenWhisk API URL is required");
        }
        String auth = config.secret(DejaConfig.OPENWHISK_AUTH_CONFIG);
        if (auth == null || auth.isBlank()) {
            throw new ConfigException(DejaConfig.OPENWHISK_AUTH_CONFIG + " is required: set "
                    + DejaConfig.envName(DejaConfig.OPENWHISK_AUTH_CONFIG) + " or " + DejaConfig.OPENWHISK_AUTH_CONFIG + ".file");
        }
        String ca = config.getString(DejaConfig.OPENWHISK_CA_FILE_CONFIG);
        try {
            return OpenWhiskSettings.builder(apiHost, auth)
                    .namespace(config.getString(DejaConfig.OPENWHISK_NAMESPACE_CONFIG))
                    .insecure(config.getBoolean(DejaConfig.OPENWHISK_INSECURE_CONFIG))
                    .caFile(ca.isBlank() ? null : Path.of(ca))
                    .callTimeout(Duration.ofMillis(config.getLong(DejaConfig.OPENWHISK_TIMEOUT_CONFIG)))
                    .maxRetries(config.getInt(DejaConfig.INVOKER_MAX_RETRIES_CONFIG))
                    .initialBackoff(Duration.ofMillis(config.getLong(DejaConfig.INVOKER_BACKOFF_CONFIG)))
                    .maxBackoff(Duration.ofMillis(config.getLong(DejaConfig.INVOKER_BACKOFF_MAX_CONFIG)))
                    .breakerFailureThreshold(config.getInt(DejaConfig.BREAKER_THRESHOLD_CONFIG))
                    .breakerOpenDuration(Duration.ofMillis(config.getLong(DejaConfig.BREAKER_OPEN_CONFIG)))
                    .maxConcurrentCalls(Math.max(config.getInt(DejaConfig.INVOKER_MAX_IN_FLIGHT_CONFIG), 1))
                    .build();
        } catch (IllegalArgumentException e) {
            // The message names the field and never the key's value.
            throw new ConfigException("OpenWhisk settings: " + e.getMessage());
        }
    }

    private static MinioClient s3(DejaConfig config, OkHttpClient http) {
        String endpoint = config.getString(DejaConfig.S3_ENDPOINT_CONFIG);
        if (endpoint.isBlank()) {
            return null;
        }
        String access = config.secret(DejaConfig.S3_ACCESS_KEY_CONFIG);
        String secret = config.secret(DejaConfig.S3_SECRET_KEY_CONFIG);
        if (access == null || secret == null) {
            throw new ConfigException(DejaConfig.S3_ACCESS_KEY_CONFIG + " and " + DejaConfig.S3_SECRET_KEY_CONFIG
                    + " are required with " + DejaConfig.S3_ENDPOINT_CONFIG);
        }
        return S3Clients.minio(new S3Settings(endpoint, access, secret, config.getString(DejaConfig.S3_REGION_CONFIG)), http);
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.push(resource);
        return resource;
    }

    /** Waits until every application of this process is RUNNING. */
    public void awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!streams.stream().allMatch(s -> s.state() == KafkaStreams.State.RUNNING)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not running after " + timeout + ": " + states());
            }
            Thread.sleep(50);
        }
    }

    /** The state of each application this process runs, by role name; CREATED for one not started yet. */
    public Map<String, KafkaStreams.State> states() {
        Map<String, KafkaStreams.State> states = new LinkedHashMap<>();
        Role current = role;
        if (dedup != null) {
            states.put("dedup", dedup.state());
        } else if (current != null && current.runsDedup()) {
            states.put("dedup", KafkaStreams.State.CREATED);
        }
        if (invokerStreams != null) {
            states.put("invoker", invokerStreams.state());
        } else if (current != null && current.runsInvoker()) {
            states.put("invoker", KafkaStreams.State.CREATED);
        }
        if (mirrorThread != null) {
            // the mirror is a thread, not a Streams application: RUNNING while it runs, ERROR once it has stopped
            states.put("mirror", mirrorThread.isAlive() ? KafkaStreams.State.RUNNING : KafkaStreams.State.ERROR);
        }
        return states;
    }

    /** The dedup keys of a content MD5 under each rule, with the action versions current here (none without dedup). */
    private List<String> dedupKeysOf(String md5) {
        ActionVersions current = versions;
        if (current == null) {
            return List.of();
        }
        return config.rules().stream()
                .filter(rule -> current.versionOf(rule.action()) != null)
                .map(rule -> DedupKey.of(rule.action(), current.versionOf(rule.action()), rule.paramsHash(),
                        md5.toLowerCase(java.util.Locale.ROOT)))
                .distinct().toList();
    }

    /**
     * Completes, with a one-line reason, when a Kafka Streams application of this process has stopped for good
     * (state ERROR: its stream threads kept failing, or Kafka Streams shut it down) or a topic it reads no longer
     * exists; the process should then exit.
     */
    public CompletableFuture<String> failure() {
        return failure;
    }

    /** The admin endpoint's bound port; -1 when {@code deja.admin.address} is empty. */
    public int adminPort() {
        return admin == null ? -1 : admin.port();
    }

    public KafkaStreams dedupStreams() {
        return dedup;
    }

    public KafkaStreams invokerStreams() {
        return invokerStreams;
    }

    /** The version of each rule action as dedup keys use it now (empty without the dedup role). */
    public Map<String, String> actionVersions() {
        ActionVersions current = versions;
        return current == null ? Map.of() : current.snapshot();
    }

    public DejaMetrics metrics() {
        return metrics;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public DejaConfig config() {
        return config;
    }

    @Override
    public void close() {
        closing.countDown();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        // No new invocation from here on; the final commit of each invoker task waits for the ones in flight
        // to be answered, so their activation ids go with the tasks.
        if (invoker != null) {
            invoker.drain();
        }
        // Leaving the group at once lets other instances take over, and 'deja replay' run, without
        // waiting for the session timeout.
        for (KafkaStreams kafkaStreams : streams) {
            kafkaStreams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(30)));
        }
        while (!resources.isEmpty()) {
            try {
                resources.pop().close();
            } catch (Exception e) {
                LOG.warn("closing: {}", e.toString());
            }
        }
        registry.close();
    }
}
