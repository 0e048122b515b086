package dev.deja.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

class MirrorConsumerPropsTest {

    private static final CouchSettings SETTINGS = CouchSettings.of("http://couch:5984", "deja", null, null);

    @Test
    void shouldUseOwnGroupAndCommittedReadsWhenGivenStreamsSettings() {
        // given
        Map<String, Object> streams = Map.of("application.id", "deja", "bootstrap.servers", "kafka:9092",
                "processing.guarantee", "exactly_once_v2", "enable.auto.commit", true,
                "security.protocol", "SASL_SSL");

        // when
        Map<String, Object> props = Mirror.consumerProps(streams, SETTINGS, true);

        // then
        assertThat(props)
                .containsEntry(ConsumerConfig.GROUP_ID_CONFIG, "deja-mirror")
                .containsEntry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .containsEntry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)
                .containsEntry(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
                .containsEntry(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, CouchSettings.DEFAULT_BATCH_SIZE)
                .containsEntry(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class)
                .containsEntry(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class)
                .containsEntry("bootstrap.servers", "kafka:9092")
                .containsEntry("security.protocol", "SASL_SSL")
                .doesNotContainKeys("application.id", "processing.guarantee");
    }

    @Test
    void shouldDropGroupWhenRebuilding() {
        // when
        Map<String, Object> props = Mirror.consumerProps(Map.of("group.id", "x", "bootstrap.servers", "k:9092"),
                SETTINGS, false);

        // then
        assertThat(props).doesNotContainKey(ConsumerConfig.GROUP_ID_CONFIG)
                .containsEntry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    }

    @Test
    void shouldRefuseWhenNeitherApplicationIdNorGroupIsSet() {
        assertThatThrownBy(() -> Mirror.consumerProps(Map.of("bootstrap.servers", "k:9092"), SETTINGS, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("application.id");
    }
}
