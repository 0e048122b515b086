package dev.deja.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deja.invoke.CallResult;
import dev.deja.invoke.OpenWhiskClient;
import dev.deja.mirror.CouchClient;
import dev.deja.serde.Json;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scenario 4, what the seed project did: per event, look the MD5 up in CouchDB, invoke the action
 * if absent, write the result to CouchDB, then write the output. {@code concurrency} events are
 * handled at once, so two uploads of one content that overlap both miss the lookup and both
 * invoke. At-least-once (auto-commit), no transactions.
 */
final class NaiveBaseline implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NaiveBaseline.class);

    private final KafkaConsumer<String, String> consumer;
    private final KafkaProducer<String, String> producer;
    private final CouchClient couch;
    private final OpenWhiskClient openWhisk;
    private final String action;
    private final String outputTopic;
    private final ExecutorService workers;
    private final Semaphore slots;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong errors = new AtomicLong();
    private final Thread poller;

    NaiveBaseline(String bootstrapServers, String inputTopic, String outputTopic, CouchClient couch,
                  OpenWhiskClient openWhisk, String action, int concurrency) {
        Map<String, Object> consumerProps = new HashMap<>();
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "deja-bench-naive-" + UUID.randomUUID());
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, true);
        this.consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer());
        this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 2,
                ProducerConfig.CLIENT_ID_CONFIG, "deja-bench-naive"), new StringSerializer(), new StringSerializer());
        this.couch = couch;
        this.openWhisk = openWhisk;
        this.action = action;
        this.outputTopic = outputTopic;
        this.workers = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "deja-bench-naive-worker");
            t.setDaemon(true);
            return t;
        });
        this.slots = new Semaphore(concurrency);
        consumer.subscribe(List.of(inputTopic));
        this.poller = new Thread(this::pollLoop, "deja-bench-naive-poller");
        this.poller.setDaemon(true);
        this.poller.start();
    }

    long errors() {
        return errors.get();
    }

    private void pollLoop() {
        try {
            while (running.get()) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                    slots.acquire();
                    workers.execute(() -> {
                        try {
                            handle(record);
                        } catch (RuntimeException e) {
                            errors.incrementAndGet();
                            LOG.debug("naive baseline: {}", e.toString());
                        } finally {
                            slots.release();
                        }
                    });
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void handle(ConsumerRecord<String, String> record) {
        JsonNode object = Json.parse(record.value()).path("Records").path(0).path("s3").path("object");
        String md5 = object.path("eTag").asText();
        JsonNode result = couch.get(md5).map(doc -> doc.get("result")).orElse(null);
        String outcome = "CACHED";
        if (result == null) {
            ObjectNode params = Json.object();
            params.put("md5", md5);
            CallResult call = openWhisk.invoke(action, params, true).join();
            if (!call.isSuccess()) {
                errors.incrementAndGet();
            }
            result = call.activation() == null ? Json.object() : call.activation().result();
            ObjectNode doc = Json.object();
            doc.put("_id", md5);
            doc.set("result", result);
            // A conflict means another worker stored it meanwhile: the seed ignored it too.
            couch.bulkDocs(List.of(doc));
            outcome = "INVOKED";
        }
        ObjectNode output = Json.object();
        output.put("contentMd5", md5);
        output.put("outcome", outcome);
        output.set("result", result);
        producer.send(new ProducerRecord<>(outputTopic, record.key(), Json.write(output)));
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        try {
            poller.join(10_000);
            workers.shutdown();
            workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.shutdownNow();
        producer.close(Duration.ofSeconds(5));
    }
}
