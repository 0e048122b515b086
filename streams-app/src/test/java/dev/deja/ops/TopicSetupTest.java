package dev.deja.ops;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deja.app.TopicSetup;
import dev.deja.config.DejaConfig;
import dev.deja.local.EmbeddedKafka;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class TopicSetupTest {

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
