package dev.deja.topology;

import dev.deja.config.DejaConfig;
import dev.deja.config.Rule;
import dev.deja.model.DedupInput;
import dev.deja.model.HashJob;
import dev.deja.model.InvocationRequest;
import dev.deja.model.InvocationResult;
import dev.deja.model.InvokerJob;
import dev.deja.model.OutputRecord;
import dev.deja.model.TableEntry;
import dev.deja.model.Waiter;
import dev.deja.serde.JsonSerde;
import dev.deja.topology.redelivery.SeenStore;
import dev.deja.topology.store.BoundedMemoryRocksDbConfig;
import dev.deja.topology.store.CommitHook;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds Deja's two Kafka Streams topologies. Pure: no KafkaStreams, no I/O.
 *
 * <p><b>Dedup</b> (application id {@code application.id}):
 * <pre>
 *   bucket-events (key: bucket/object, value: MinIO event JSON bytes)
 *     -> parse-events: parse, route, then the cached-answer step in place [store dedup-seen-events;
 *        global store dedup-table-replica, by replicate-table from deja-table]
 *          -> deja-output (a cache hit the replica answers: one Kafka hop, five processor nodes)
 *          -> [hash-content, store hash-jobs] -> answer-hashed (the same cached-answer step) -> as above
 *          -> dedup-uploads-repartition (key: dedup key, value: DedupInput: an upload, or hits counted above)
 *   deja-invocation-results (key: dedup key, value: InvocationResult)
 *     -> merged with the uploads -> dedup [stores dedup-table, dedup-waiters, dedup-timers]
 *     -> deja-invocations (key: dedup key, value: InvocationRequest)
 *     -> deja-output      (key: bucket/object, value: OutputRecord)
 *     -> deja-table       (key: dedup key, value: TableEntry, tombstone on expiry; compacted)
 *   bad events -> deja-dlq (original key and bytes; headers deja.reason, deja.error.class, deja.source.*)
 * </pre>
 * <p><b>Invoker</b> (application id {@code application.id + "-invoker"}):
 * <pre>
 *   deja-invocations -> invoke [stores invoker-requests, invoker-commit-hook] -> deja-invocation-results
 * </pre>
 * The two are separate Kafka Streams applications because Kafka Streams needs every member of
 * one group to run the same topology, while {@code --role} lets the parts scale apart.
 */
public final class DejaTopology {

    public static final String INVOKER_APP_SUFFIX = "-invoker";

    public static final String TABLE_STORE = "dedup-table";
    public static final String WAITERS_STORE = "dedup-waiters";
    public static final String TIMERS_STORE = "dedup-timers";
    public static final String SEEN_STORE = "dedup-seen-events";
    public static final String TABLE_REPLICA_STORE = "dedup-table-replica";
    public static final String HASH_JOBS_STORE = "hash-jobs";
    public static final String INVOKER_REQUESTS_STORE = "invoker-requests";
    public static final String INVOKER_COMMIT_HOOK_STORE = "invoker-commit-hook";
    public static final String UPLOADS_REPARTITION = "dedup-uploads";

    private static final Serde<String> STRING = Serdes.String();
    private static final Serde<byte[]> BYTES = Serdes.ByteArray();
    private static final Serde<InvocationRequest> REQUEST = JsonSerde.of(InvocationRequest.class);
    private static final Serde<InvocationResult> RESULT = JsonSerde.of(InvocationResult.class);
    private static final Serde<OutputRecord> OUTPUT = JsonSerde.of(OutputRecord.class);
    private static final Serde<TableEntry> ENTRY = JsonSerde.of(TableEntry.class);
    private static final Serde<DedupInput> INPUT = JsonSerde.of(DedupInput.class);

    private DejaTopology() {
    }

    /**
     * The dedup application's topology.
     *
     * @param actionVersions the current version of each rule's action (never blocks)
     * @param hashing reads objects whose ETag is not their MD5
     * @param metrics where the processors count
     */
    public static Topology buildDedup(DejaConfig config, Function<String, String> actionVersions, ContentHashing hashing,
            TopologyMetrics metrics) {
        StreamsBuilder builder = new StreamsBuilder();
        DedupSettings settings = DedupSettings.from(config);
        Duration poll = Duration.ofMillis(settings.punctuateIntervalMs());
        Semaphore hashLimit = new Semaphore(config.getInt(DejaConfig.HASH_MAX_IN_FLIGHT_CONFIG));
        int maxRecordBytes = DeadLetters.maxRecordBytes(config.streamsProperties());
        Duration hashTimeout = Duration.ofMillis(config.getLong(DejaConfig.HASH_TIMEOUT_CONFIG));

        builder.addStateStore(store(HASH_JOBS_STORE, JsonSerde.of(HashJob.class)));
        builder.addStateStore(store(TABLE_STORE, ENTRY));
        builder.addStateStore(store(WAITERS_STORE, JsonSerde.of(Waiter.class)));
        builder.addStateStore(store(TIMERS_STORE, STRING));
        Duration redeliveryWindow = Duration.ofMillis(Math.max(1, settings.redeliveryWindowMs()));
        builder.addStateStore(SeenStore.builder(SEEN_STORE, redeliveryWindow));

        boolean replica = config.getBoolean(DejaConfig.TABLE_REPLICA_CONFIG);
        Map<String, Rule> rulesByName = new HashMap<>();
        config.rules().forEach(rule -> rulesByName.put(rule.name(), rule));
        ReplicaChanges replicaChanges = new ReplicaChanges(settings.entryCacheSize());
        Supplier<CachedAnswerProcessor> answers = () -> new CachedAnswerProcessor(settings, replica, replicaChanges, metrics, rulesByName);
        String outputTopic = config.getString(DejaConfig.OUTPUT_TOPIC_CONFIG);
        Serde<Ingested> answered = SizeCheckedSerde.of(answeredSerde(), maxRecordBytes);

        // A cache hit crosses five processor nodes (read, parse and answer, branch, the branch's own, write); thirteen
        // when the answer was a node of its own behind filters and maps. A pass-through crosses two.
        Map<String, KStream<String, Ingested>> parsed = builder
                .stream(config.getString(DejaConfig.INPUT_TOPIC_CONFIG), Consumed.with(BYTES, BYTES).withName("read-bucket-events"))
                .process(() -> new IngestProcessor(config.rules(), actionVersions,
                        config.getLong(DejaConfig.EVENT_TIME_MAX_SKEW_CONFIG), metrics, maxRecordBytes, answers.get()),
                        Named.as("parse-events"), SEEN_STORE)
                .split(Named.as("parsed-"))
                .branch((key, value) -> value instanceof Ingested.Answered, Branched.withConsumer(s -> s
                        .to(outputTopic, Produced.with(STRING, answered).withName("write-cached-output")), "cached"))
                .branch((key, value) -> value instanceof Ingested.NeedsHash, Branched.as("needs-hash"))
                .defaultBranch(Branched.as("other"));
        // Added after the input's source, so that sub-topology ids (and with them task ids and state directories) stay
        // those of earlier versions: 0 the ingest, 1 the replica, 2 the dedup.
        if (replica) {
            builder.addGlobalStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TABLE_REPLICA_STORE), STRING, ENTRY)
                            .withLoggingDisabled(),
                    config.getString(DejaConfig.TABLE_TOPIC_CONFIG),
                    Consumed.with(STRING, ENTRY).withName("replicate-table"),
                    () -> new ReplicaWriter(TABLE_REPLICA_STORE, replicaChanges));
        }
        KStream<String, Ingested> hashed = parsed.get("parsed-needs-hash")
                .mapValues(value -> ((Ingested.NeedsHash) value).job(), Named.as("hash-job"))
                .process(() -> new HashProcessor(hashing, hashLimit, poll, metrics, hashTimeout, maxRecordBytes), Named.as("hash-content"), HASH_JOBS_STORE);
        KStream<String, Ingested> hashedAnswered = hashed
                .filter((key, value) -> value instanceof Ingested.Routed, Named.as("hashed"))
                .mapValues(value -> ((Ingested.Routed) value).upload(), Named.as("hashed-upload"))
                .process(answers::get, Named.as("answer-hashed"), SEEN_STORE);
        KStream<String, DedupInput> uploads = parsed.get("parsed-other")
                .merge(hashed.filter((key, value) -> !(value instanceof Ingested.Routed), Named.as("hash-failed")), Named.as("merge-hash-failed"))
                .merge(hashedAnswered, Named.as("merge-hashed"))
                .split(Named.as("ingested-"))
                .branch((key, value) -> value instanceof Ingested.Answered, Branched.withConsumer(s -> s
                        .to(outputTopic, Produced.with(STRING, answered).withName("write-hashed-output")), "cached"))
                .branch((key, value) -> value instanceof Ingested.Rejected, Branched.withConsumer(s -> s
                        .map((key, value) -> KeyValue.pair(((Ingested.Rejected) value).key(), ((Ingested.Rejected) value).value()),
                                Named.as("dead-letter"))
                        .to(config.getString(DejaConfig.DLQ_TOPIC_CONFIG), Produced.with(BYTES, BYTES).withName("write-dlq")), "rejected"))
                .defaultBranch(Branched.withFunction(s -> s, "onward"))
                .get("ingested-onward")
                .mapValues(value -> ((Ingested.Onward) value).input(), Named.as("dedup-input"))
                .repartition(Repartitioned.with(STRING, SizeCheckedSerde.of(INPUT, maxRecordBytes)).withName(UPLOADS_REPARTITION)
                        .withNumberOfPartitions(config.getInt(DejaConfig.PARTITIONS_CONFIG)));
        KStream<String, DedupInput> results = builder
                .stream(config.getString(DejaConfig.RESULTS_TOPIC_CONFIG), Consumed.with(STRING, RESULT).withName("read-results"))
                .mapValues(DedupInput::of, Named.as("result-input"));

        uploads.merge(results, Named.as("merge-results"))
                .process(() -> new DedupProcessor(settings, metrics), Named.as("dedup"),
                        TABLE_STORE, WAITERS_STORE, TIMERS_STORE)
                .split(Named.as("route-"))
                .branch((key, value) -> value instanceof DedupOutput.Invoke, Branched.withConsumer(s -> s
                        .mapValues(value -> ((DedupOutput.Invoke) value).request(), Named.as("request"))
                        .to(config.getString(DejaConfig.INVOCATIONS_TOPIC_CONFIG), Produced.with(STRING, SizeCheckedSerde.of(REQUEST, maxRecordBytes)).withName("write-invocations")),
                        "invocations"))
                .branch((key, value) -> value instanceof DedupOutput.Output, Branched.withConsumer(s -> s
                        .mapValues(value -> ((DedupOutput.Output) value).record(), Named.as("output"))
                        .to(config.getString(DejaConfig.OUTPUT_TOPIC_CONFIG), Produced.with(STRING, SizeCheckedSerde.of(OUTPUT, maxRecordBytes)).withName("write-output")),
                        "output"))
                .defaultBranch(Branched.withConsumer(s -> s
                        .mapValues(value -> ((DedupOutput.Table) value).entry(), Named.as("entry"))
                        .to(config.getString(DejaConfig.TABLE_TOPIC_CONFIG), Produced.with(STRING, SizeCheckedSerde.of(ENTRY, maxRecordBytes)).withName("write-table")),
                        "table"));
        return builder.build(properties(config, config.getString(DejaConfig.APPLICATION_ID_CONFIG)));
    }

    /** The invoker application's topology; {@code inFlightLimit} is shared by every task of the process. */
    public static Topology buildInvoker(DejaConfig config, ActionCaller caller, Semaphore inFlightLimit, TopologyMetrics metrics) {
        StreamsBuilder builder = new StreamsBuilder();
        // No record cache: the commit hook writes to this store just before the commit, after caches are flushed.
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(INVOKER_REQUESTS_STORE), STRING,
                JsonSerde.of(InvokerJob.class)).withLoggingEnabled(Map.of()).withCachingDisabled());
        builder.addStateStore(CommitHook.builder(INVOKER_COMMIT_HOOK_STORE));
        // Invocations start only on the stream thread: a short punctuation hands a freed slot on quickly.
        Duration poll = Duration.ofMillis(Math.min(5, config.getLong(DejaConfig.PUNCTUATE_INTERVAL_CONFIG)));
        Duration drain = Duration.ofMillis(config.getLong(DejaConfig.INVOKER_DRAIN_TIMEOUT_CONFIG));
        Duration retention = Duration.ofMillis(config.getLong(DejaConfig.INVOKER_FINISHED_RETENTION_CONFIG));
        builder.stream(config.getString(DejaConfig.INVOCATIONS_TOPIC_CONFIG), Consumed.with(STRING, REQUEST).withName("read-invocations"))
                .process(() -> new InvokerProcessor(caller, inFlightLimit, poll, drain, retention, metrics), Named.as("invoke"),
                        INVOKER_REQUESTS_STORE, INVOKER_COMMIT_HOOK_STORE)
                .to(config.getString(DejaConfig.RESULTS_TOPIC_CONFIG), Produced.with(STRING,
                        SizeCheckedSerde.of(RESULT, DeadLetters.maxRecordBytes(config.streamsProperties()))).withName("write-results"));
        return builder.build(properties(config, invokerApplicationId(config)));
    }

    public static String invokerApplicationId(DejaConfig config) {
        return config.getString(DejaConfig.APPLICATION_ID_CONFIG) + INVOKER_APP_SUFFIX;
    }

    /**
     * Kafka Streams properties for one of the two applications: the pass-through settings, the
     * exception handlers, explicit serdes nowhere defaulted, and the shared RocksDB budget.
     */
    public static Properties properties(DejaConfig config, String applicationId) {
        // Values are strings, as a Properties is meant to hold (getProperty skips any other type).
        Properties props = new Properties();
        props.putAll(config.streamsProperties());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        // A record that cannot be read goes to the dead-letter topic and processing goes on. A failure inside Deja's
        // processors fails the task once (a passing cause gets its retry); the same record failing again goes to the
        // dead-letter topic. A record too large to write sends its input there. No record fails a thread twice.
        props.putIfAbsent(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class.getName());
        props.putIfAbsent(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class.getName());
        props.putIfAbsent(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProductionHandler.class.getName());
        // The same handler for the table replica's global thread (Kafka Streams 5.0's default).
        props.putIfAbsent(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        // Streams' partition assignor builds a StreamsConfig of its own from the main consumer's settings, and warns on
        // every start that the handler is off for the global thread unless they carry the setting too.
        props.putIfAbsent(StreamsConfig.mainConsumerPrefix(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG), "true");
        props.putIfAbsent(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, config.getString(DejaConfig.DLQ_TOPIC_CONFIG));
        props.putIfAbsent(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedMemoryRocksDbConfig.class.getName());
        props.put(BoundedMemoryRocksDbConfig.CACHE_BYTES_CONFIG, config.getLong(DejaConfig.ROCKSDB_CACHE_BYTES_CONFIG));
        props.putIfAbsent(StreamsConfig.REPLICATION_FACTOR_CONFIG, String.valueOf(config.getShort(DejaConfig.REPLICATION_FACTOR_CONFIG)));
        props.putIfAbsent(StreamsConfig.producerPrefix("compression.type"), "lz4");
        // Latency: completed calls and timers are handled by wall-clock punctuation, which waits
        // while the thread blocks in poll (default 100 ms); and Streams' EOS producer lingers 100 ms.
        // The invoker starts invocations only on its stream thread, between polls: a freed slot waits for the next one.
        props.putIfAbsent(StreamsConfig.POLL_MS_CONFIG, applicationId.equals(invokerApplicationId(config)) ? "2" : "10");
        props.putIfAbsent(StreamsConfig.producerPrefix("linger.ms"), "10");
        // Uploads and results need no ordering between their topics: never idle a task waiting
        // for the other partition to have data.
        props.putIfAbsent(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, "-1");
        // A read_committed fetch parked at the broker can wait out fetch.max.wait.ms (500 ms) after
        // the transaction it waits for has committed: an upload crosses two of them.
        props.putIfAbsent(StreamsConfig.consumerPrefix("fetch.max.wait.ms"), "20");
        // Static membership: a restarted instance rejoins under the same id and gets its tasks back at once.
        String instanceId = config.instanceId();
        if (instanceId != null) {
            props.putIfAbsent(StreamsConfig.mainConsumerPrefix("group.instance.id"), instanceId);
        }
        return props;
    }

    /** {@code deja-output}'s serde for the ingest's answers: the sink writes the record inside. */
    private static Serde<Ingested> answeredSerde() {
        return Serdes.serdeFrom((topic, value) -> OUTPUT.serializer().serialize(topic, ((Ingested.Answered) value).record()),
                (topic, bytes) -> new Ingested.Answered(OUTPUT.deserializer().deserialize(topic, bytes)));
    }

    /**
     * A RocksDB store, changelogged, with Kafka Streams' record cache in front: repeated writes of a
     * hot key, and a waiter or job written and deleted within one commit interval, reach neither
     * RocksDB nor the changelog.
     */
    private static <V> StoreBuilder<KeyValueStore<String, V>> store(String name, Serde<V> valueSerde) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), STRING, valueSerde)
                .withLoggingEnabled(Map.of())
                .withCachingEnabled();
    }
}
