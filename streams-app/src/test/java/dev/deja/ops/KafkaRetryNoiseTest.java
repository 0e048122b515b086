package dev.deja.ops;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.spi.FilterReply;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.junit.jupiter.api.Test;

class KafkaRetryNoiseTest {

    private static final String SENDER = "org.apache.kafka.clients.producer.internals.Sender";
    private static final String RETRY = "[Producer clientId=deja-1-StreamThread-1-producer, transactionalId=deja-1] Got error produce"
            + " response with correlation id 16 on topic-partition deja-dedup-uploads-repartition-1, retrying (2147483646 attempts left)."
            + " Error: ";
    private final KafkaRetryNoise filter = new KafkaRetryNoise();

    @Test
    void shouldDropTheRetriesOfTransactionsV2AndTheBrokersErrorAboutThem() {
        assertThat(decide(SENDER, Level.WARN, RETRY + "CONCURRENT_TRANSACTIONS", null)).isEqualTo(FilterReply.DENY);
        assertThat(decide(SENDER, Level.WARN, RETRY + "OUT_OF_ORDER_SEQUENCE_NUMBER", null)).isEqualTo(FilterReply.DENY);
        assertThat(decide("kafka.server.ReplicaManager", Level.ERROR, "[ReplicaManager broker=1] Error processing append operation"
                + " on partition x:deja-dedup-uploads-repartition-3", new OutOfOrderSequenceException("Invalid sequence number for"
                + " producer 2 at offset 2 in partition deja-dedup-uploads-repartition-3: 1 (incoming seq. number). Expected sequence 0"
                + " for transactions v2 idempotent producer with no existing state."))).isEqualTo(FilterReply.DENY);
        assertThat(decide("org.apache.kafka.clients.NetworkClient", Level.WARN, "[Consumer clientId=c, groupId=deja] The metadata"
                + " response from the cluster reported a recoverable issue with correlation id 2 : {deja-dedup-uploads-repartition"
                + "=UNKNOWN_TOPIC_OR_PARTITION}", null)).isEqualTo(FilterReply.DENY);
    }

    @Test
    void shouldLetEveryOtherErrorAndWarningThrough() {
        assertThat(decide(SENDER, Level.WARN, RETRY + "NOT_LEADER_OR_FOLLOWER", null)).isEqualTo(FilterReply.NEUTRAL);
        assertThat(decide("kafka.server.ReplicaManager", Level.ERROR, "[ReplicaManager broker=1] Error processing append operation",
                new OutOfOrderSequenceException("Out of order sequence number for producer 7: 12 (incoming), 9 (current end)")))
                .isEqualTo(FilterReply.NEUTRAL);
        assertThat(decide("org.apache.kafka.clients.NetworkClient", Level.WARN, "[Consumer clientId=c, groupId=deja] The metadata"
                + " response from the cluster reported a recoverable issue with correlation id 2 : {bucket-events=UNKNOWN_TOPIC_OR_PARTITION}",
                null)).as("a topic of the user's").isEqualTo(FilterReply.NEUTRAL);
        assertThat(decide("dev.deja.app.DejaApp", Level.ERROR, "deja: stream thread failed", null)).isEqualTo(FilterReply.NEUTRAL);
    }

    @Test
    void shouldShowEverythingWhenAskedTo() {
        filter.setShow(true);
        assertThat(decide(SENDER, Level.WARN, RETRY + "CONCURRENT_TRANSACTIONS", null)).isEqualTo(FilterReply.NEUTRAL);
    }

    private FilterReply decide(String logger, Level level, String message, Throwable error) {
        LoggerContext context = new LoggerContext();
        LoggingEvent event = new LoggingEvent(getClass().getName(), context.getLogger(logger), level, message, error, null);
        return filter.decide(event);
    }
}
