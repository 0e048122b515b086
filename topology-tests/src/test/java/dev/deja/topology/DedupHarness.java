package dev.deja.topology;

import dev.deja.config.DejaConfig;
import dev.deja.model.DedupInput;
import dev.deja.model.InvocationRequest;
import dev.deja.model.InvocationResult;
import dev.deja.model.OutputRecord;
import dev.deja.model.TableEntry;
import dev.deja.ops.DejaMetrics;
import dev.deja.serde.Json;
import dev.deja.serde.JsonSerde;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;

/**
 * One TopologyTestDriver over the production dedup topology, built through the production config
 * path, with the invoker's side played by the test: it reads {@code deja-invocations} and writes
 * {@code deja-invocation-results} itself.
 */
final class DedupHarness implements AutoCloseable {

    static final Instant START = Instant.parse("2026-11-23T10:15:31Z");

    final Map<String, String> versions = new ConcurrentHashMap<>(Map.of("thumbnail", "0.0.3", "ocr", "1.2.0"));
    final DejaMetrics metrics = DejaMetrics.discarding();
    final DejaConfig config;
    final TopologyTestDriver driver;
    final TestInputTopic<byte[], byte[]> events;
    final TestInputTopic<String, InvocationResult> results;
    final TestOutputTopic<String, InvocationRequest> invocations;
    final TestOutputTopic<String, OutputRecord> outputs;
    final TestOutputTopic<String, TableEntry> table;
    final TestOutputTopic<byte[], byte[]> dlq;
    /** What crosses the repartition by dedup key (Kafka Streams prefixes the application id). */
    final TestOutputTopic<String, DedupInput> toDedup;
    private Instant now = START;
    private int sequencer = 1;

    DedupHarness(Map<String, String> overrides) {
        this(overrides, ContentHashing.UNAVAILABLE);
    }

    DedupHarness(Map<String, String> overrides, ContentHashing hashing) {
        Map<String, String> props = new HashMap<>(Map.of(
                "bootstrap.servers", "test:9092",
                "deja.rules", "thumbs",
                "deja.rule.thumbs.action", "thumbnail",
                "deja.rule.thumbs.bucket", "photos",
                "deja.rule.thumbs.params", "{\"width\": 128}",
                "deja.topic.partitions", "1"));
        props.put("state.dir", tempDir());
        props.putAll(overrides);
        if (!props.get("deja.rules").contains("thumbs")) {
            props.keySet().removeIf(key -> key.startsWith("deja.rule.thumbs."));
        }
        config = DejaConfig.load(null, Map.of(), props);
        driver = new TopologyTestDriver(DejaTopology.buildDedup(config, versions::get, hashing, metrics),
                DejaTopology.properties(config, "deja-test"), START);
        events = driver.createInputTopic("bucket-events", Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
        results = driver.createInputTopic("deja-invocation-results", Serdes.String().serializer(),
                JsonSerde.of(InvocationResult.class).serializer());
        invocations = driver.createOutputTopic("deja-invocations", Serdes.String().deserializer(),
                JsonSerde.of(InvocationRequest.class).deserializer());
        outputs = driver.createOutputTopic("deja-output", Serdes.String().deserializer(),
                JsonSerde.of(OutputRecord.class).deserializer());
        table = driver.createOutputTopic("deja-table", Serdes.String().deserializer(),
                JsonSerde.of(TableEntry.class).deserializer());
        dlq = driver.createOutputTopic("deja-dlq", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer());
        toDedup = driver.createOutputTopic("deja-test-" + DejaTopology.UPLOADS_REPARTITION + "-repartition",
                Serdes.String().deserializer(), JsonSerde.of(DedupInput.class).deserializer());
    }

    private static String tempDir() {
        try {
            return Files.createTempDirectory("deja-ttd").toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** An upload of {@code bucket/key} whose content MD5 is {@code md5}, with a fresh sequencer. */
    void upload(String bucket, String key, String md5) {
        send(bucket + "/" + key, MinioFixtures.created(bucket, key, md5, 1234, nextSequencer()));
    }

    String nextSequencer() {
        return String.format("%016X", 0x187A9E2C9B5D0000L + sequencer++);
    }

    void send(String key, String value) {
        send(key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    void send(byte[] key, byte[] value) {
        events.pipeInput(key, value, now);
    }

    void succeed(InvocationRequest request, String resultJson) {
        results.pipeInput(request.dedupKey(), new InvocationResult(request.dedupKey(), request.attempt(), true, null,
                Json.parse(resultJson), null, null, "act-" + request.attempt(), 420L, 1, now.toEpochMilli(),
                request.entrySinceMs()), now);
    }

    void fail(InvocationRequest request, String error) {
        results.pipeInput(request.dedupKey(), new InvocationResult(request.dedupKey(), request.attempt(), false,
                "application error", null, null, error, "act-" + request.attempt(), 15L, 1, now.toEpochMilli(),
                request.entrySinceMs()), now);
    }

    /** Moves the wall clock (and so the punctuators) forward. */
    void advance(Duration by) {
        now = now.plus(by);
        driver.advanceWallClockTime(by);
    }

    List<InvocationRequest> drainInvocations() {
        return invocations.readValuesToList();
    }

    List<OutputRecord> drainOutputs() {
        return outputs.readValuesToList();
    }

    List<TestRecord<String, OutputRecord>> drainOutputRecords() {
        return outputs.readRecordsToList();
    }

    Map<String, TableEntry> drainTable() {
        Map<String, TableEntry> last = new HashMap<>();
        for (KeyValue<String, TableEntry> kv : table.readKeyValuesToList()) {
            last.put(kv.key, kv.value);
        }
        return last;
    }

    KeyValueStore<String, TableEntry> tableStore() {
        return driver.getKeyValueStore(DejaTopology.TABLE_STORE);
    }

    @Override
    public void close() {
        driver.close();
    }

}
