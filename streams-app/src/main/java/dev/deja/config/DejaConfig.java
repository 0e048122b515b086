package dev.deja.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Deja's typed configuration. Precedence, lowest first: defaults, the properties file,
 * {@code DEJA_*} environment variables ({@code deja.openwhisk.auth} is {@code DEJA_OPENWHISK_AUTH},
 * {@code bootstrap.servers} is {@code DEJA_BOOTSTRAP_SERVERS}), then command-line {@code --set key=value}.
 * Any Kafka client or Streams setting (SASL, SSL, ...) passes through to Kafka. A secret (type
 * PASSWORD) may instead be read from a file named by {@code KEY.file}.
 */
public final class DejaConfig extends AbstractConfig {

    public static final String ENV_PREFIX = "DEJA_";

    // Kafka
    public static final String APPLICATION_ID_CONFIG = StreamsConfig.APPLICATION_ID_CONFIG;
    private static final String APPLICATION_ID_DOC = "Kafka Streams application id: the consumer group, and the prefix of"
            + " internal topics and state. Every instance of one deployment uses the same id.";
    public static final String BOOTSTRAP_SERVERS_CONFIG = StreamsConfig.BOOTSTRAP_SERVERS_CONFIG;
    private static final String BOOTSTRAP_SERVERS_DOC = "Kafka brokers to connect to (host:port, comma-separated).";
    public static final String STATE_DIR_CONFIG = StreamsConfig.STATE_DIR_CONFIG;
    private static final String STATE_DIR_DOC = "Where Kafka Streams keeps the RocksDB state (the dedup table).";
    public static final String INSTANCE_ID_CONFIG = "deja.instance.id";
    private static final String INSTANCE_ID_DOC = "Stable id of this instance for Kafka's static membership (group.instance.id):"
            + " a restarted instance gets its partitions back at once instead of after a rebalance. Empty: the host name"
            + " and a hash of the state directory (stable across restarts of one instance); 'none' turns static"
            + " membership off. Two live instances must never share one.";
    public static final String PROCESSING_GUARANTEE_CONFIG = StreamsConfig.PROCESSING_GUARANTEE_CONFIG;
    private static final String PROCESSING_GUARANTEE_DOC = "exactly_once_v2 (default) or at_least_once.";

    // Topics
    public static final String INPUT_TOPIC_CONFIG = "deja.topic.input";
    private static final String INPUT_TOPIC_DOC = "The topic MinIO's Kafka notification target writes bucket events to.";
    public static final String INVOCATIONS_TOPIC_CONFIG = "deja.topic.invocations";
    private static final String INVOCATIONS_TOPIC_DOC = "Invocation requests, from the dedup stage to the invoker (key: dedup key).";
    public static final String RESULTS_TOPIC_CONFIG = "deja.topic.results";
    private static final String RESULTS_TOPIC_DOC = "Invocation results, from the invoker back to the dedup stage (key: dedup key).";
    public static final String OUTPUT_TOPIC_CONFIG = "deja.topic.output";
    private static final String OUTPUT_TOPIC_DOC = "One output record per (upload, matched rule) (key: bucket/object).";
    public static final String TABLE_TOPIC_CONFIG = "deja.topic.table";
    private static final String TABLE_TOPIC_DOC = "Compacted copy of the dedup table (key: dedup key); feeds the CouchDB mirror.";
    public static final String DLQ_TOPIC_CONFIG = "deja.topic.dlq";
    private static final String DLQ_TOPIC_DOC = "Dead-letter topic: bad input, untouched, with the reason in headers.";
    public static final String PARTITIONS_CONFIG = "deja.topic.partitions";
    private static final String PARTITIONS_DOC = "Partitions of the topics Deja creates, and of the dedup repartition topic;"
            + " the repartition and results topics must agree (checked at start). The most instances that share work.";
    public static final String REPLICATION_FACTOR_CONFIG = "deja.topic.replication.factor";
    private static final String REPLICATION_FACTOR_DOC = "Replication factor of the topics Deja creates (-1: the broker's default).";

    // Rules
    public static final String RULES_CONFIG = "deja.rules";
    private static final String RULES_DOC = "Names of the rules. Each rule NAME is configured with deja.rule.NAME.action"
            + " (required), .bucket, .prefix, .suffix, .events (globs, default s3:ObjectCreated:*) and .params (JSON object).";

    // Dedup table
    public static final String PENDING_TIMEOUT_CONFIG = "deja.pending.timeout.ms";
    private static final String PENDING_TIMEOUT_DOC = "An entry PENDING this long has its request issued again (covers lost requests).";
    public static final String FAILURE_COOLDOWN_CONFIG = "deja.failure.cooldown.ms";
    private static final String FAILURE_COOLDOWN_DOC = "After a failed invocation, uploads of the same content wait this long before it is invoked again.";
    public static final String ENTRY_TTL_CONFIG = "deja.entry.ttl.ms";
    private static final String ENTRY_TTL_DOC = "A finished entry expires this long after its result (tombstone in the table topic); -1 keeps entries forever.";
    public static final String REDELIVERY_WINDOW_CONFIG = "deja.redelivery.window.ms";
    private static final String REDELIVERY_WINDOW_DOC = "How long the (rule, event id bucket/object@sequencer) of a handled upload is remembered,"
            + " so that MinIO's at-least-once redelivery makes no second output.";
    public static final String EVENT_TIME_MAX_SKEW_CONFIG = "deja.event.time.max.skew.ms";
    private static final String EVENT_TIME_MAX_SKEW_DOC = "An event whose eventTime is further than this from its Kafka record's time, or"
            + " this far ahead of Deja's clock, is timed by its record instead: a skewed MinIO clock or a bad event moves no store's time"
            + " and breaks no redelivery check. It is still answered, and its redeliveries are still recognised.";
    public static final String RELEASE_BATCH_CONFIG = "deja.release.batch";
    private static final String RELEASE_BATCH_DOC = "Most waiters released in one step; the rest follow on the next punctuation.";
    public static final String PUNCTUATE_INTERVAL_CONFIG = "deja.punctuate.interval.ms";
    private static final String PUNCTUATE_INTERVAL_DOC = "How often timers (timeouts, expiry, completed calls) are checked;"
            + " once a second after 20 checks in a row found nothing, until work arrives.";
    public static final String PUNCTUATE_MAX_CONFIG = "deja.punctuate.max.items";
    private static final String PUNCTUATE_MAX_DOC = "Most timers handled per punctuation: punctuators do bounded work.";
    public static final String TABLE_REPLICA_CONFIG = "deja.table.replica.enabled";
    private static final String TABLE_REPLICA_DOC = "Keep a copy of the whole table topic on every instance (a global store) and answer uploads"
            + " of DONE content from it before the repartition by dedup key: a cache hit then costs one Kafka hop instead of two,"
            + " for the disk and restore time of the copy.";
    public static final String ENTRY_CACHE_CONFIG = "deja.table.cache.entries";
    private static final String ENTRY_CACHE_DOC = "Entries each dedup task keeps decoded in memory (least recently used dropped first), so a"
            + " cache hit decodes no JSON.";
    public static final String HITS_PUBLISH_INTERVAL_CONFIG = "deja.hits.publish.interval.ms";
    private static final String HITS_PUBLISH_INTERVAL_DOC = "How often entries changed only by hits (hit count, last seen, waiting uploads) are"
            + " stored and published to the table topic; a change of status is published at once. Each interval costs a record per"
            + " content hit in it, on three topics: a shorter one shows hit counts sooner and slows cache hits down. A crash can lose"
            + " the hit counts of this last interval, never an answer.";
    public static final String ROCKSDB_CACHE_BYTES_CONFIG = "deja.rocksdb.cache.bytes";
    private static final String ROCKSDB_CACHE_BYTES_DOC = "The memory of every RocksDB store of the process: one block cache, of which memtables may take half.";

    // Hashing
    public static final String HASH_MAX_OBJECT_BYTES_CONFIG = "deja.hash.max.object.bytes";
    private static final String HASH_MAX_OBJECT_BYTES_DOC = "Largest object Deja streams to compute its MD5 (multipart or encrypted uploads); larger ones go to the DLQ.";
    public static final String HASH_MAX_IN_FLIGHT_CONFIG = "deja.hash.max.in.flight";
    private static final String HASH_MAX_IN_FLIGHT_DOC = "Most objects hashed at once per stream task.";
    public static final String HASH_TIMEOUT_CONFIG = "deja.hash.timeout.ms";
    private static final String HASH_TIMEOUT_DOC = "How long Deja keeps retrying to hash an object while S3 fails transiently (5xx, throttling, network) before the upload goes to the DLQ with the last error; failures S3 will repeat (403, a missing object) go there at once.";

    // OpenWhisk
    public static final String OPENWHISK_API_HOST_CONFIG = "deja.openwhisk.api.host";
    private static final String OPENWHISK_API_HOST_DOC = "OpenWhisk API base URL, e.g. https://openwhisk.example:443.";
    public static final String OPENWHISK_NAMESPACE_CONFIG = "deja.openwhisk.namespace";
    private static final String OPENWHISK_NAMESPACE_DOC = "OpenWhisk namespace of the actions ('_' is the key's default namespace).";
    public static final String OPENWHISK_AUTH_CONFIG = "deja.openwhisk.auth";
    private static final String OPENWHISK_AUTH_DOC = "OpenWhisk API key 'uuid:key'. Secret: give it as DEJA_OPENWHISK_AUTH or deja.openwhisk.auth.file.";
    public static final String OPENWHISK_INSECURE_CONFIG = "deja.openwhisk.insecure";
    private static final String OPENWHISK_INSECURE_DOC = "Trust any TLS certificate (OpenWhisk standalone's self-signed one). Never in production.";
    public static final String OPENWHISK_CA_FILE_CONFIG = "deja.openwhisk.ca.file";
    private static final String OPENWHISK_CA_FILE_DOC = "PEM file of a CA to trust for the OpenWhisk API, besides the system's.";
    public static final String OPENWHISK_TIMEOUT_CONFIG = "deja.openwhisk.call.timeout.ms";
    private static final String OPENWHISK_TIMEOUT_DOC = "Timeout of one HTTP call to OpenWhisk (a blocking invoke waits up to 60 s).";
    public static final String OPENWHISK_VERSION_REFRESH_CONFIG = "deja.openwhisk.version.refresh.ms";
    private static final String OPENWHISK_VERSION_REFRESH_DOC = "How often action versions are read again; a new version invalidates old results.";
    public static final String INVOKER_MAX_IN_FLIGHT_CONFIG = "deja.invoker.max.in.flight";
    private static final String INVOKER_MAX_IN_FLIGHT_DOC = "Most OpenWhisk calls in flight per invoker task.";
    public static final String INVOKER_BLOCKING_CONFIG = "deja.invoker.blocking";
    private static final String INVOKER_BLOCKING_DOC = "Invoke with ?blocking=true (one HTTP call per invocation, but the activation"
            + " id is known only when the call returns, so a crash or a handover during the call invokes it again) instead"
            + " of non-blocking (202 with the activation id at once, committed before the result is read).";
    public static final String INVOKER_DRAIN_TIMEOUT_CONFIG = "deja.invoker.drain.timeout.ms";
    private static final String INVOKER_DRAIN_TIMEOUT_DOC = "On a rebalance or a shutdown, how long a task waits for its invocations in"
            + " flight to be answered before it is handed over (blocking calls: for the whole call).";
    public static final String INVOKER_FINISHED_RETENTION_CONFIG = "deja.invoker.finished.retention.ms";
    private static final String INVOKER_FINISHED_RETENTION_DOC = "How long the invoker remembers a finished call, so a re-sent request of the"
            + " same attempt is answered by reading the activation instead of invoking again (it is deleted within a"
            + " quarter of this after that). Keep it above deja.pending.timeout.ms.";
    public static final String INVOKER_MAX_RETRIES_CONFIG = "deja.invoker.max.retries";
    private static final String INVOKER_MAX_RETRIES_DOC = "Retries of an invocation OpenWhisk refused (429, 503) or that never left (no connection),"
            + " with exponential backoff and jitter. A request that was sent and got no clear answer is never sent again.";
    public static final String INVOKER_BACKOFF_CONFIG = "deja.invoker.backoff.ms";
    private static final String INVOKER_BACKOFF_DOC = "First retry backoff; doubles up to deja.invoker.backoff.max.ms.";
    public static final String INVOKER_BACKOFF_MAX_CONFIG = "deja.invoker.backoff.max.ms";
    private static final String INVOKER_BACKOFF_MAX_DOC = "Largest retry backoff.";
    public static final String BREAKER_THRESHOLD_CONFIG = "deja.breaker.failure.threshold";
    private static final String BREAKER_THRESHOLD_DOC = "Consecutive transient failures that open the circuit breaker (calls stop, requests stay queued).";
    public static final String BREAKER_OPEN_CONFIG = "deja.breaker.open.ms";
    private static final String BREAKER_OPEN_DOC = "How long the breaker stays open before a probe call.";
    public static final String RESULT_INLINE_MAX_CONFIG = "deja.result.inline.max.bytes";
    private static final String RESULT_INLINE_MAX_DOC = "Results larger than this (JSON bytes) are stored in the object store; records carry a reference. Without an object store a larger result is a FAILED answer (kind 'result too large'). At most 768 KiB, so every record that carries a result fits Kafka's default 1 MiB.";

    // S3
    public static final String S3_ENDPOINT_CONFIG = "deja.s3.endpoint";
    private static final String S3_ENDPOINT_DOC = "S3/MinIO endpoint for hashing objects and for large results. Empty: no S3.";
    public static final String S3_ACCESS_KEY_CONFIG = "deja.s3.access.key";
    private static final String S3_ACCESS_KEY_DOC = "S3 access key. Secret: DEJA_S3_ACCESS_KEY or deja.s3.access.key.file.";
    public static final String S3_SECRET_KEY_CONFIG = "deja.s3.secret.key";
    private static final String S3_SECRET_KEY_DOC = "S3 secret key. Secret: DEJA_S3_SECRET_KEY or deja.s3.secret.key.file.";
    public static final String S3_REGION_CONFIG = "deja.s3.region";
    private static final String S3_REGION_DOC = "S3 region.";
    public static final String RESULTS_BUCKET_CONFIG = "deja.s3.results.bucket";
    private static final String RESULTS_BUCKET_DOC = "Bucket that holds results above deja.result.inline.max.bytes (content-addressed).";

    // CouchDB
    public static final String MIRROR_ENABLED_CONFIG = "deja.mirror.enabled";
    private static final String MIRROR_ENABLED_DOC = "Run the CouchDB mirror inside 'deja run' (it can also run alone as 'deja mirror').";
    public static final String COUCHDB_URL_CONFIG = "deja.couchdb.url";
    private static final String COUCHDB_URL_DOC = "CouchDB base URL.";
    public static final String COUCHDB_DATABASE_CONFIG = "deja.couchdb.database";
    private static final String COUCHDB_DATABASE_DOC = "CouchDB database of the mirror.";
    public static final String COUCHDB_USERNAME_CONFIG = "deja.couchdb.username";
    private static final String COUCHDB_USERNAME_DOC = "CouchDB user (empty: no authentication).";
    public static final String COUCHDB_PASSWORD_CONFIG = "deja.couchdb.password";
    private static final String COUCHDB_PASSWORD_DOC = "CouchDB password. Secret: DEJA_COUCHDB_PASSWORD or deja.couchdb.password.file.";

    // Operations
    public static final String ADMIN_ADDRESS_CONFIG = "deja.admin.address";
    private static final String ADMIN_ADDRESS_DOC = "host:port of the admin endpoint (/health/live, /health/ready, /metrics, /entries/KEY); empty disables it. 0.0.0.0:PORT listens on every address (containers).";
    public static final String SLA_TARGET_CONFIG = "deja.sla.target.ms";
    private static final String SLA_TARGET_DOC = "End-to-end latency target: the share of uploads answered within it is reported.";

    public static final ConfigDef CONFIG = new ConfigDef()
            .define(APPLICATION_ID_CONFIG, Type.STRING, "deja", new ConfigDef.NonEmptyString(), Importance.HIGH, APPLICATION_ID_DOC)
            .define(BOOTSTRAP_SERVERS_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, ConfigDef.ValidList.anyNonDuplicateValues(false, false), Importance.HIGH, BOOTSTRAP_SERVERS_DOC)
            .define(STATE_DIR_CONFIG, Type.STRING, "./.deja/state", Importance.MEDIUM, STATE_DIR_DOC)
            .define(INSTANCE_ID_CONFIG, Type.STRING, "", Importance.MEDIUM, INSTANCE_ID_DOC)
            .define(PROCESSING_GUARANTEE_CONFIG, Type.STRING, StreamsConfig.EXACTLY_ONCE_V2,
                    ValidString.in(StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE), Importance.MEDIUM, PROCESSING_GUARANTEE_DOC)
            .define(INPUT_TOPIC_CONFIG, Type.STRING, "bucket-events", new ConfigDef.NonEmptyString(), Importance.HIGH, INPUT_TOPIC_DOC)
            .define(INVOCATIONS_TOPIC_CONFIG, Type.STRING, "deja-invocations", new ConfigDef.NonEmptyString(), Importance.MEDIUM, INVOCATIONS_TOPIC_DOC)
            .define(RESULTS_TOPIC_CONFIG, Type.STRING, "deja-invocation-results", new ConfigDef.NonEmptyString(), Importance.MEDIUM, RESULTS_TOPIC_DOC)
            .define(OUTPUT_TOPIC_CONFIG, Type.STRING, "deja-output", new ConfigDef.NonEmptyString(), Importance.HIGH, OUTPUT_TOPIC_DOC)
            .define(TABLE_TOPIC_CONFIG, Type.STRING, "deja-table", new ConfigDef.NonEmptyString(), Importance.MEDIUM, TABLE_TOPIC_DOC)
            .define(DLQ_TOPIC_CONFIG, Type.STRING, "deja-dlq", new ConfigDef.NonEmptyString(), Importance.HIGH, DLQ_TOPIC_DOC)
            .define(PARTITIONS_CONFIG, Type.INT, 6, Range.between(1, 10_000), Importance.MEDIUM, PARTITIONS_DOC)
            .define(REPLICATION_FACTOR_CONFIG, Type.SHORT, (short) -1, Importance.MEDIUM, REPLICATION_FACTOR_DOC)
            .define(RULES_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, ConfigDef.LambdaValidator.with((name, value) -> {
                if (value == null || ((List<?>) value).isEmpty()) {
                    throw new ConfigException(name, value, "name at least one rule");
                }
            }, () -> "one or more rule names"), Importance.HIGH, RULES_DOC)
            .define(PENDING_TIMEOUT_CONFIG, Type.LONG, 300_000L, Range.atLeast(1), Importance.MEDIUM, PENDING_TIMEOUT_DOC)
            .define(FAILURE_COOLDOWN_CONFIG, Type.LONG, 60_000L, Range.atLeast(0), Importance.MEDIUM, FAILURE_COOLDOWN_DOC)
            .define(ENTRY_TTL_CONFIG, Type.LONG, -1L, Range.atLeast(-1), Importance.MEDIUM, ENTRY_TTL_DOC)
            .define(REDELIVERY_WINDOW_CONFIG, Type.LONG, 3_600_000L, Range.atLeast(0), Importance.LOW, REDELIVERY_WINDOW_DOC)
            .define(EVENT_TIME_MAX_SKEW_CONFIG, Type.LONG, 3_600_000L, Range.atLeast(0), Importance.LOW, EVENT_TIME_MAX_SKEW_DOC)
            .define(RELEASE_BATCH_CONFIG, Type.INT, 1_000, Range.atLeast(1), Importance.LOW, RELEASE_BATCH_DOC)
            .define(PUNCTUATE_INTERVAL_CONFIG, Type.LONG, 100L, Range.atLeast(1), Importance.LOW, PUNCTUATE_INTERVAL_DOC)
            .define(PUNCTUATE_MAX_CONFIG, Type.INT, 1_000, Range.atLeast(1), Importance.LOW, PUNCTUATE_MAX_DOC)
            .define(TABLE_REPLICA_CONFIG, Type.BOOLEAN, true, Importance.MEDIUM, TABLE_REPLICA_DOC)
            .define(ENTRY_CACHE_CONFIG, Type.INT, 2_000, Range.atLeast(0), Importance.LOW, ENTRY_CACHE_DOC)
            .define(HITS_PUBLISH_INTERVAL_CONFIG, Type.LONG, 10_000L, Range.atLeast(0), Importance.LOW, HITS_PUBLISH_INTERVAL_DOC)
            .define(ROCKSDB_CACHE_BYTES_CONFIG, Type.LONG, 256L * 1024 * 1024, Range.atLeast(1024 * 1024), Importance.LOW, ROCKSDB_CACHE_BYTES_DOC)
            .define(HASH_MAX_OBJECT_BYTES_CONFIG, Type.LONG, 5L * 1024 * 1024 * 1024, Range.atLeast(0), Importance.MEDIUM, HASH_MAX_OBJECT_BYTES_DOC)
            .define(HASH_MAX_IN_FLIGHT_CONFIG, Type.INT, 4, Range.atLeast(1), Importance.LOW, HASH_MAX_IN_FLIGHT_DOC)
            .define(HASH_TIMEOUT_CONFIG, Type.LONG, 10L * 60 * 1000, Range.atLeast(0), Importance.LOW, HASH_TIMEOUT_DOC)
            .define(OPENWHISK_API_HOST_CONFIG, Type.STRING, "", Importance.HIGH, OPENWHISK_API_HOST_DOC)
            .define(OPENWHISK_NAMESPACE_CONFIG, Type.STRING, "_", new ConfigDef.NonEmptyString(), Importance.MEDIUM, OPENWHISK_NAMESPACE_DOC)
            .define(OPENWHISK_AUTH_CONFIG, Type.PASSWORD, null, Importance.HIGH, OPENWHISK_AUTH_DOC)
            .define(OPENWHISK_INSECURE_CONFIG, Type.BOOLEAN, false, Importance.LOW, OPENWHISK_INSECURE_DOC)
            .define(OPENWHISK_CA_FILE_CONFIG, Type.STRING, "", Importance.LOW, OPENWHISK_CA_FILE_DOC)
            .define(OPENWHISK_TIMEOUT_CONFIG, Type.LONG, 70_000L, Range.atLeast(1), Importance.LOW, OPENWHISK_TIMEOUT_DOC)
            .define(OPENWHISK_VERSION_REFRESH_CONFIG, Type.LONG, 60_000L, Range.atLeast(1), Importance.LOW, OPENWHISK_VERSION_REFRESH_DOC)
            .define(INVOKER_MAX_IN_FLIGHT_CONFIG, Type.INT, 16, Range.atLeast(1), Importance.MEDIUM, INVOKER_MAX_IN_FLIGHT_DOC)
            .define(INVOKER_BLOCKING_CONFIG, Type.BOOLEAN, false, Importance.LOW, INVOKER_BLOCKING_DOC)
            .define(INVOKER_DRAIN_TIMEOUT_CONFIG, Type.LONG, 10_000L, Range.atLeast(0), Importance.LOW, INVOKER_DRAIN_TIMEOUT_DOC)
            .define(INVOKER_FINISHED_RETENTION_CONFIG, Type.LONG, 3_600_000L, Range.atLeast(0), Importance.LOW, INVOKER_FINISHED_RETENTION_DOC)
            .define(INVOKER_MAX_RETRIES_CONFIG, Type.INT, 5, Range.atLeast(0), Importance.LOW, INVOKER_MAX_RETRIES_DOC)
            .define(INVOKER_BACKOFF_CONFIG, Type.LONG, 200L, Range.atLeast(1), Importance.LOW, INVOKER_BACKOFF_DOC)
            .define(INVOKER_BACKOFF_MAX_CONFIG, Type.LONG, 10_000L, Range.atLeast(1), Importance.LOW, INVOKER_BACKOFF_MAX_DOC)
            .define(BREAKER_THRESHOLD_CONFIG, Type.INT, 10, Range.atLeast(1), Importance.LOW, BREAKER_THRESHOLD_DOC)
            .define(BREAKER_OPEN_CONFIG, Type.LONG, 5_000L, Range.atLeast(1), Importance.LOW, BREAKER_OPEN_DOC)
            .define(RESULT_INLINE_MAX_CONFIG, Type.INT, 256 * 1024, Range.between(0, 768 * 1024), Importance.MEDIUM, RESULT_INLINE_MAX_DOC)
            .define(S3_ENDPOINT_CONFIG, Type.STRING, "", Importance.MEDIUM, S3_ENDPOINT_DOC)
            .define(S3_ACCESS_KEY_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, S3_ACCESS_KEY_DOC)
            .define(S3_SECRET_KEY_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, S3_SECRET_KEY_DOC)
            .define(S3_REGION_CONFIG, Type.STRING, "us-east-1", Importance.LOW, S3_REGION_DOC)
            .define(RESULTS_BUCKET_CONFIG, Type.STRING, "deja-results", Importance.LOW, RESULTS_BUCKET_DOC)
            .define(MIRROR_ENABLED_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM, MIRROR_ENABLED_DOC)
            .define(COUCHDB_URL_CONFIG, Type.STRING, "", Importance.MEDIUM, COUCHDB_URL_DOC)
            .define(COUCHDB_DATABASE_CONFIG, Type.STRING, "deja", Importance.LOW, COUCHDB_DATABASE_DOC)
            .define(COUCHDB_USERNAME_CONFIG, Type.STRING, "", Importance.LOW, COUCHDB_USERNAME_DOC)
            .define(COUCHDB_PASSWORD_CONFIG, Type.PASSWORD, null, Importance.LOW, COUCHDB_PASSWORD_DOC)
            .define(ADMIN_ADDRESS_CONFIG, Type.STRING, "127.0.0.1:8079", Importance.LOW, ADMIN_ADDRESS_DOC)
            .define(SLA_TARGET_CONFIG, Type.LONG, 10_000L, Range.atLeast(1), Importance.LOW, SLA_TARGET_DOC);

    private final List<Rule> rules;

    public DejaConfig(Map<String, ?> props) {
        super(CONFIG, withSecretFiles(props), false);
        List<String> names = getList(RULES_CONFIG);
        Rules.checkNoStrayRuleKeys(names, originals());
        this.rules = Rules.parse(names, originals());
    }

    /**
     * Builds the config the one way every caller uses: the file (may be null), then the
     * environment, then overrides (flags or a test's map).
     */
    public static DejaConfig load(Path file, Map<String, String> env, Map<String, ?> overrides) {
        Map<String, Object> props = new HashMap<>();
        if (file != null) {
            props.putAll(readProperties(file));
        }
        props.putAll(fromEnv(env));
        props.putAll(overrides);
        return new DejaConfig(props);
    }

    public static Map<String, String> readProperties(Path file) {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ConfigException("cannot read the config file " + file + ": " + e.getMessage());
        }
        Map<String, String> map = new TreeMap<>();
        properties.stringPropertyNames().forEach(name -> map.put(name, properties.getProperty(name).trim()));
        return map;
    }

    /**
     * {@code DEJA_*} variables for every key Deja, Kafka Streams or the Kafka clients know, and for
     * rule keys ({@code DEJA_RULE_THUMBS_ACTION} is {@code deja.rule.thumbs.action}).
     */
    static Map<String, String> fromEnv(Map<String, String> env) {
        Set<String> known = new HashSet<>(CONFIG.names());
        known.addAll(StreamsConfig.configDef().names());
        known.addAll(ProducerConfig.configNames());
        known.addAll(ConsumerConfig.configNames());
        known.addAll(AdminClientConfig.configNames());
        CONFIG.configKeys().values().stream().filter(k -> k.type == Type.PASSWORD).forEach(k -> known.add(k.name + ".file"));
        Map<String, String> byEnvName = new HashMap<>();
        known.forEach(key -> byEnvName.put(envName(key), key));
        Map<String, String> result = new HashMap<>();
        env.forEach((name, value) -> {
            if (!name.startsWith(ENV_PREFIX)) {
                return;
            }
            String key = byEnvName.get(name);
            if (key == null && name.startsWith(ENV_PREFIX + "RULE_")) {
                String rest = name.substring((ENV_PREFIX + "RULE_").length());
                int last = rest.lastIndexOf('_');
                if (last > 0) {
                    key = Rules.RULE_PREFIX + rest.substring(0, last).toLowerCase(Locale.ROOT) + "."
                            + rest.substring(last + 1).toLowerCase(Locale.ROOT);
                }
            }
            if (key != null) {
                result.put(key, value);
            }
        });
        return result;
    }

    /** The environment variable that sets a key. */
    public static String envName(String key) {
        String bare = key.startsWith("deja.") ? key.substring("deja.".length()) : key;
        return ENV_PREFIX + bare.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** For each secret key K, a {@code K.file} setting is read into K (trailing newline dropped). */
    private static Map<String, Object> withSecretFiles(Map<String, ?> props) {
        Map<String, Object> resolved = new HashMap<>(props);
        for (ConfigDef.ConfigKey key : CONFIG.configKeys().values()) {
            Object file = props.get(key.name + ".file");
            if (key.type != Type.PASSWORD || file == null || file.toString().isBlank()) {
                continue;
            }
            try {
                resolved.put(key.name, Files.readString(Path.of(file.toString())).strip());
            } catch (IOException e) {
                throw new ConfigException(key.name + ".file", file, "cannot read the secret file: " + e.getClass().getSimpleName());
            }
            resolved.remove(key.name + ".file");
        }
        return resolved;
    }

    public List<Rule> rules() {
        return rules;
    }

    public String secret(String key) {
        Password password = getPassword(key);
        return password == null ? null : password.value();
    }

    /** Kafka Streams properties: every key Kafka knows passes through; Deja's own keys do not. */
    public Map<String, Object> streamsProperties() {
        Map<String, Object> props = new HashMap<>();
        originals().forEach((key, value) -> {
            if (!key.startsWith("deja.")) {
                props.put(key, value);
            }
        });
        props.put(APPLICATION_ID_CONFIG, getString(APPLICATION_ID_CONFIG));
        props.put(BOOTSTRAP_SERVERS_CONFIG, String.join(",", getList(BOOTSTRAP_SERVERS_CONFIG)));
        props.put(STATE_DIR_CONFIG, getString(STATE_DIR_CONFIG));
        props.put(PROCESSING_GUARANTEE_CONFIG, getString(PROCESSING_GUARANTEE_CONFIG));
        return props;
    }

    /**
     * This instance's static-membership id ({@code group.instance.id}), or null when it is off: the configured id,
     * else the host name and a hash of the state directory's absolute path.
     */
    public String instanceId() {
        String configured = getString(INSTANCE_ID_CONFIG).trim();
        if (configured.equalsIgnoreCase("none")) {
            return null;
        }
        if (!configured.isEmpty()) {
            return configured;
        }
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                host = "deja";
            }
        }
        String dir = java.nio.file.Path.of(getString(STATE_DIR_CONFIG)).toAbsolutePath().normalize().toString();
        return host + "-" + String.format("%08x", dir.hashCode());
    }

    /** Properties for a plain Kafka client (producer, consumer, admin) of this deployment. */
    public Map<String, Object> clientProperties() {
        Map<String, Object> props = new HashMap<>();
        Set<String> clientKeys = new HashSet<>(AdminClientConfig.configNames());
        streamsProperties().forEach((key, value) -> {
            if (clientKeys.contains(key)) {
                props.put(key, value);
            }
        });
        return props;
    }

    /** The configuration table of {@code docs/configuration.md}, generated from the ConfigDef. */
    public static String markdownTable() {
        StringBuilder out = new StringBuilder("| key | env | type | default | description |\n|---|---|---|---|---|\n");
        for (ConfigDef.ConfigKey key : CONFIG.configKeys().values()) {
            String def = key.defaultValue == ConfigDef.NO_DEFAULT_VALUE ? "(required)"
                    : key.defaultValue == null ? "" : ConfigDef.convertToString(key.defaultValue, key.type);
            out.append("| `").append(key.name).append("` | `").append(envName(key.name)).append("` | ")
                    .append(key.type.toString().toLowerCase(Locale.ROOT)).append(" | ")
                    .append(key.defaultValue == ConfigDef.NO_DEFAULT_VALUE ? "**required**"
                            : def == null || def.isEmpty() ? "" : "`" + def + "`").append(" | ")
                    .append(key.documentation.replace("|", "\\|")).append(" |\n");
        }
        return out.toString();
    }
}
