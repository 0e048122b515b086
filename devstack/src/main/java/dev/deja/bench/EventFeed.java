package dev.deja.bench;

import dev.deja.local.Uploader;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiFunction;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes MinIO-shaped events ({@link Uploader#minioEventJson}) straight to an input topic, as
 * MinIO's Kafka target would after an upload, without writing objects: the ETag is the MD5 of a
 * synthetic content id. Remembers when each event was sent, by record key, so a watcher of the
 * output can compute end-to-end latencies.
 */
public final class EventFeed implements AutoCloseable {

    public static final String BUCKET = "bench";
    /** The feed producer's client id, and so its network thread's name. */
    static final String CLIENT_ID = "deja-bench-feed";
    private static final AtomicLong SEQUENCER = new AtomicLong(System.currentTimeMillis() * 1_000_000L);

    private final Producer<String, String> producer;

    public EventFeed(String bootstrapServers) {
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 2,
                ProducerConfig.CLIENT_ID_CONFIG, CLIENT_ID);
        this.producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    /**
     * One run of events: keys {@code bench/<tag>/obj-<i>}, contents from {@code workload} under
     * {@code salt}. {@link #sentAtMs()} is filled before each record is sent.
     */
    public static final class Run {
        private final String tag;
        private final String salt;
        private final Workload workload;
        private final Map<String, Long> sentAtMs = new ConcurrentHashMap<>();
        private volatile long firstSendNanos;

        public Run(String tag, String salt, Workload workload) {
            this.tag = tag;
            this.salt = salt;
            this.workload = workload;
        }

        public Map<String, Long> sentAtMs() {
            return sentAtMs;
        }

        public long firstSendNanos() {
            return firstSendNanos;
        }

        public int size() {
            return workload.size();
        }

        public Workload workload() {
            return workload;
        }

        String key(int i) {
            return tag + "/obj-" + i;
        }
    }

    /**
     * Sends the run on another thread: as fast as the producer goes when {@code ratePerSecond} is
     * 0, else paced at that rate. The future completes once the broker acknowledged every event.
     */
    public CompletableFuture<Void> sendAsync(String topic, Run run, int ratePerSecond) {
        return CompletableFuture.runAsync(() -> send(topic, run, ratePerSecond, null));
    }

    /**
     * Sends other records than MinIO events, all at once: {@code record} gives the key and value of
     * record {@code i} of the run (its content MD5 as second argument).
     */
    public CompletableFuture<Void> sendRecordsAsync(String topic, Run run,
                                                    BiFunction<Integer, String, Map.Entry<String, String>> record) {
        return CompletableFuture.runAsync(() -> send(topic, run, 0, record));
    }

    private void send(String topic, Run run, int ratePerSecond,
                      BiFunction<Integer, String, Map.Entry<String, String>> custom) {
        long start = System.nanoTime();
        run.firstSendNanos = start;
        List<Integer> sequence = run.workload.sequence();
        for (int i = 0; i < sequence.size(); i++) {
            if (ratePerSecond > 0) {
                long due = start + (long) (i * 1e9 / ratePerSecond);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            String key = run.key(i);
            String md5 = Workload.md5(run.salt, sequence.get(i));
            Instant now = Instant.now();
            if (custom != null) {
                Map.Entry<String, String> record = custom.apply(i, md5);
                run.sentAtMs.put(record.getKey(), now.toEpochMilli());
                producer.send(new ProducerRecord<>(topic, record.getKey(), record.getValue()));
                continue;
            }
            Uploader.ObjectEvent event = new Uploader.ObjectEvent(Uploader.PUT, BUCKET, key, 1024, md5,
                    "application/octet-stream", String.format("%016X", SEQUENCER.incrementAndGet()), now,
                    "bench", "deja-bench", "http://127.0.0.1:9000");
            String json = Uploader.minioEventJson(event);
            run.sentAtMs.put(BUCKET + "/" + key, now.toEpochMilli());
            producer.send(new ProducerRecord<>(topic, BUCKET + "/" + key, json));
        }
        producer.flush();
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(10));
    }

    static void sleepQuietly(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
