package dev.deja.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deja.app.TopicSetup;
import dev.deja.config.DejaConfig;
import dev.deja.local.EmbeddedKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class TopicSetupTest {

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldReturnOnlyOnceANewConsumerSeesEveryTopicItCreated() {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            DejaConfig config = DejaConfig.load(null, Map.of(), Map.of(
                    DejaConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    DejaConfig.PARTITIONS_CONFIG, "4",
                    DejaConfig.RULES_CONFIG, "thumbs",
                    "deja.rule.thumbs.action", "thumbnail"));

            // when
            TopicSetup.ensure(admin, config);

            // then: as the table replica's global consumer asks at start, with one metadata request
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                for (String key : List.of(DejaConfig.INPUT_TOPIC_CONFIG, DejaConfig.INVOCATIONS_TOPIC_CONFIG,
                        DejaConfig.RESULTS_TOPIC_CONFIG, DejaConfig.OUTPUT_TOPIC_CONFIG, DejaConfig.TABLE_TOPIC_CONFIG,
                        DejaConfig.DLQ_TOPIC_CONFIG)) {
                    assertThat(consumer.partitionsFor(config.getString(key), Duration.ofSeconds(5)))
                            .as(config.getString(key)).hasSize(4);
                }
            }
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldRefuseToStartWhenTheResultsTopicHasAnotherPartitionCount() {
        // given
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            kafka.createTopic("deja-invocation-results", 2, Map.of());
            DejaConfig config = DejaConfig.load(null, Map.of(), Map.of(
                    DejaConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    DejaConfig.PARTITIONS_CONFIG, "4",
                    DejaConfig.RULES_CONFIG, "thumbs",
                    "deja.rule.thumbs.action", "thumbnail"));
            // when / then
            assertThatThrownBy(() -> TopicSetup.ensure(admin, config))
                    .isInstanceOf(TopicSetup.TopicMismatchException.class)
                    .hasMessageContaining("deja-invocation-results has 2 partitions")
                    .hasMessageContaining(DejaConfig.PARTITIONS_CONFIG + " is 4");
        }
    }
}
