package dev.deja.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * Keeps out of the default log what Kafka logs about errors it retries and recovers from by
 * itself, and which every healthy run of Deja meets:
 * <ul>
 *   <li>With transactions v2 (KIP-890, the default of Kafka 4 clusters), the first produce of a
 *       transaction that starts while the previous one's markers are still being written gets
 *       {@code CONCURRENT_TRANSACTIONS}; a batch of the same partition already in flight then gets
 *       {@code OUT_OF_ORDER_SEQUENCE_NUMBER}, and the broker logs that second one at ERROR with an
 *       {@code OutOfOrderSequenceException} ("Expected sequence 0 for transactions v2 idempotent
 *       producer with no existing state"). The producer retries both and nothing is lost or
 *       duplicated: Streams commits every ~100 ms under exactly-once, so a burst meets this a few
 *       times a second. Kafka tracks it as KAFKA-18202 (and the broker side as KAFKA-15591).</li>
 *   <li>At start, Kafka Streams creates its internal topics and its consumers ask for them a
 *       moment before the broker knows them ({@code UNKNOWN_TOPIC_OR_PARTITION} on a
 *       {@code -repartition} or {@code -changelog} topic), and the table replica's global consumer
 *       notes partitions "no longer assigned" once it has restored them; an in-process broker's
 *       controller channel, closing, notes that its client is closed already.</li>
 * </ul>
 * Everything else Kafka logs passes. {@code DEJA_LOG_KAFKA_RETRIES=true} shows these too.
 */
public final class KafkaRetryNoise extends Filter<ILoggingEvent> {

    private static final String SENDER = "org.apache.kafka.clients.producer.internals.Sender";
    private static final String REPLICA_MANAGER = "kafka.server.ReplicaManager";
    private static final String NETWORK_CLIENT = "org.apache.kafka.clients.NetworkClient";
    private static final String OFFSET_FETCHER = "org.apache.kafka.clients.consumer.internals.OffsetFetcherUtils";

    private boolean show;

    /** True shows every line this filter would drop. */
    public void setShow(boolean show) {
        this.show = show;
    }

    @Override
    public FilterReply decide(ILoggingEvent event) {
        if (show || !event.getLoggerName().startsWith("org.apache.kafka.clients") && !event.getLoggerName().equals(REPLICA_MANAGER)) {
            return FilterReply.NEUTRAL;
        }
        return isKnownNoise(event) ? FilterReply.DENY : FilterReply.NEUTRAL;
    }

    static boolean isKnownNoise(ILoggingEvent event) {
        String logger = event.getLoggerName();
        Level level = event.getLevel();
        String message = event.getFormattedMessage();
        if (message == null) {
            return false;
        }
        return switch (logger) {
            case SENDER -> level == Level.WARN && message.contains("retrying")
                    && (message.endsWith("Error: CONCURRENT_TRANSACTIONS") || message.endsWith("Error: OUT_OF_ORDER_SEQUENCE_NUMBER"));
            case REPLICA_MANAGER -> level == Level.ERROR && message.startsWith("[ReplicaManager")
                    && isTransactionsV2FirstSequence(event.getThrowableProxy());
            case NETWORK_CLIENT -> level == Level.WARN && (message.contains("reported a recoverable issue")
                    && onlyInternalTopicsUnknown(message) || message.endsWith("Attempting to close NetworkClient that has already been closed."));
            case OFFSET_FETCHER -> level == Level.WARN && message.contains("Not updating last stable offset")
                    && message.endsWith("as it is no longer assigned");
            default -> false;
        };
    }

    private static boolean isTransactionsV2FirstSequence(IThrowableProxy error) {
        return error != null && error.getClassName().equals("org.apache.kafka.common.errors.OutOfOrderSequenceException")
                && error.getMessage() != null
                && error.getMessage().contains("Expected sequence 0 for transactions v2 idempotent producer with no existing state");
    }

    /** {@code ... : {a-repartition=UNKNOWN_TOPIC_OR_PARTITION, b-changelog=UNKNOWN_TOPIC_OR_PARTITION}} and nothing else. */
    private static boolean onlyInternalTopicsUnknown(String message) {
        int open = message.lastIndexOf('{');
        int close = message.lastIndexOf('}');
        if (open < 0 || close < open) {
            return false;
        }
        for (String entry : message.substring(open + 1, close).split(",")) {
            String[] topicAndError = entry.trim().split("=", 2);
            if (topicAndError.length != 2 || !topicAndError[1].equals("UNKNOWN_TOPIC_OR_PARTITION")
                    || !(topicAndError[0].endsWith("-repartition") || topicAndError[0].endsWith("-changelog"))) {
                return false;
            }
        }
        return true;
    }
}
