package dev.deja.app;

import dev.deja.config.DejaConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.streams.TopologyDescription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports, once, a topic that a Kafka Streams application of this process reads and that no longer exists.
 *
 * <p>Kafka Streams finds a missing source topic only when its partition assignor runs, and a deleted topic does not
 * always make it run: a stream thread fenced meanwhile rejoins as a returning static member and keeps its old
 * assignment without a rebalance, RUNNING and reading nothing, for good (see {@code docs/operations.md}). This watch
 * asks the broker instead: every period it describes the topics, and a topic the broker calls unknown in
 * {@link #ANSWERS} answers in a row is reported with its application. Any other failure (the broker unreachable, a
 * timeout) is no answer: Kafka Streams deals with those itself.
 */
public final class SourceTopicWatch implements AutoCloseable {

    /** How often the broker is asked, in {@code deja run}. */
    public static final Duration DEFAULT_PERIOD = Duration.ofSeconds(5);
    /** Answers in a row, a period apart, that a topic is unknown before it is reported: one broker may lag. */
    static final int ANSWERS = 2;

    private static final Logger LOG = LoggerFactory.getLogger(SourceTopicWatch.class);

    private final Admin admin;
    private final Map<String, String> applicationOf = new LinkedHashMap<>();
    private final Duration period;
    private final BiConsumer<String, String> onGone;
    private final Map<String, Integer> unknownAnswers = new HashMap<>();
    private final ScheduledExecutorService scheduler;
    private volatile boolean reported;

    private SourceTopicWatch(Admin admin, Map<String, Set<String>> topicsByApplication, Duration period,
                             BiConsumer<String, String> onGone) {
        this.admin = admin;
        topicsByApplication.forEach((application, topics) -> topics.forEach(topic -> applicationOf.putIfAbsent(topic, application)));
        this.period = period;
        this.onGone = onGone;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "deja-source-topics");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Starts watching.
     *
     * @param adminProperties     a Kafka admin client's settings (the watch's own client, closed with it)
     * @param topicsByApplication the topics each application reads, by application id
     * @param onGone              called once, on the watch's thread, with the application id and the topic gone
     */
    public static SourceTopicWatch start(Map<String, Object> adminProperties, Map<String, Set<String>> topicsByApplication,
                                         Duration period, BiConsumer<String, String> onGone) {
        Map<String, Object> props = new HashMap<>(adminProperties);
        // An answer is due within the period; a slower one is no answer, and the next check asks again.
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.max(period.toMillis(), 1_000));
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(period.toMillis(), 1_000));
        SourceTopicWatch watch = new SourceTopicWatch(Admin.create(props), topicsByApplication, period, onGone);
        watch.scheduler.scheduleWithFixedDelay(watch::check, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        return watch;
    }

    /**
     * The topics of Deja's configuration that a topology's sources read, global stores' included. Kafka Streams'
     * internal topics (repartition topics) are left out: their names here lack the application id prefix, and Kafka
     * Streams creates them itself.
     */
    public static Set<String> topicsRead(TopologyDescription description, DejaConfig config) {
        Set<String> topics = new TreeSet<>();
        for (TopologyDescription.Subtopology subtopology : description.subtopologies()) {
            for (TopologyDescription.Node node : subtopology.nodes()) {
                if (node instanceof TopologyDescription.Source source && source.topicSet() != null) {
                    topics.addAll(source.topicSet());
                }
            }
        }
        for (TopologyDescription.GlobalStore store : description.globalStores()) {
            if (store.source().topicSet() != null) {
                topics.addAll(store.source().topicSet());
            }
        }
        topics.retainAll(TopicSetup.names(config));
        return topics;
    }

    private void check() {
        try {
            checkOnce();
        } catch (RuntimeException e) {
            // never let an exception end the scheduled task: the watch would stop without a word
            LOG.warn("checking source topics: {}", e.toString());
        }
    }

    private void checkOnce() {
        if (reported || applicationOf.isEmpty()) {
            return;
        }
        Map<String, KafkaFuture<TopicDescription>> answers = admin.describeTopics(applicationOf.keySet()).topicNameValues();
        for (Map.Entry<String, KafkaFuture<TopicDescription>> answer : answers.entrySet()) {
            String topic = answer.getKey();
            try {
                answer.getValue().get(period.toMillis() + 1_000, TimeUnit.MILLISECONDS);
                unknownAnswers.remove(topic);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    LOG.debug("cannot check that topic {} exists: {}", topic, e.getCause().toString());
                    continue;
                }
                int times = unknownAnswers.merge(topic, 1, Integer::sum);
                if (times >= ANSWERS) {
                    reported = true;
                    String application = applicationOf.get(topic);
                    LOG.error("{}: source topic {} no longer exists (the broker said so {} times, {} ms apart); stopping",
                            application, topic, times, period.toMillis());
                    onGone.accept(application, topic);
                    scheduler.shutdown();
                    return;
                }
            } catch (TimeoutException e) {
                LOG.debug("no answer within {} ms on topic {}", period.toMillis() + 1_000, topic);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        admin.close(Duration.ofSeconds(5));
    }
}
