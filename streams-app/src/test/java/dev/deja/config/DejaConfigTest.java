package dev.deja.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DejaConfigTest {

    private static final Map<String, String> MINIMAL = Map.of(
            "bootstrap.servers", "localhost:9092",
            "deja.rules", "thumbs",
            "deja.rule.thumbs.action", "thumbnail");

    @Test
    void shouldApplyFileThenEnvironmentThenOverridesWhenLoading(@TempDir Path dir) throws Exception {
        // given
        Path file = dir.resolve("deja.properties");
        Files.writeString(file, """
                bootstrap.servers=file:9092
                deja.rules=thumbs
                deja.rule.thumbs.action=thumbnail
                deja.rule.thumbs.bucket=photos
                deja.topic.output=from-file
                deja.topic.dlq=from-file
                """);
        Map<String, String> env = Map.of("DEJA_TOPIC_OUTPUT", "from-env", "DEJA_TOPIC_DLQ", "from-env",
                "DEJA_RULE_THUMBS_PREFIX", "in/", "DEJA_SASL_MECHANISM", "PLAIN", "HOME", "/root");

        // when
        DejaConfig config = DejaConfig.load(file, env, Map.of("deja.topic.dlq", "from-flag"));

        // then
        assertThat(config.getList(DejaConfig.BOOTSTRAP_SERVERS_CONFIG)).containsExactly("file:9092");
        assertThat(config.getString(DejaConfig.OUTPUT_TOPIC_CONFIG)).isEqualTo("from-env");
        assertThat(config.getString(DejaConfig.DLQ_TOPIC_CONFIG)).isEqualTo("from-flag");
        assertThat(config.rules()).singleElement().satisfies(rule -> {
            assertThat(rule.bucket()).isEqualTo("photos");
            assertThat(rule.prefix()).isEqualTo("in/");
        });
        assertThat(config.streamsProperties()).containsEntry("sasl.mechanism", "PLAIN");
        assertThat(config.getString(DejaConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo("exactly_once_v2");
    }

    static Stream<Arguments> badConfigs() {
        return Stream.of(
                Arguments.of(without("bootstrap.servers"), "bootstrap.servers"),
                Arguments.of(without("deja.rules"), "deja.rules"),
                Arguments.of(without("deja.rule.thumbs.action"), "deja.rule.thumbs.action"),
                Arguments.of(with("deja.rule.thumbs.params", "{\"secret\": \"hunter2\""), "deja.rule.thumbs.params"),
                Arguments.of(with("deja.rule.thumbs.params", "[1, 2]"), "deja.rule.thumbs.params"),
                Arguments.of(with("deja.rule.thumbs.events", "ObjectCreated"), "deja.rule.thumbs.events"),
                Arguments.of(with("deja.rule.thumbz.action", "x"), "deja.rule.thumbz.action"),
                Arguments.of(with("deja.rule.thumbs.sufix", ".png"), "deja.rule.thumbs.sufix"),
                Arguments.of(with("deja.topic.partitions", "zero"), "deja.topic.partitions"),
                Arguments.of(with("deja.pending.timeout.ms", "-5"), "deja.pending.timeout.ms"),
                Arguments.of(with("processing.guarantee", "exactly_once"), "processing.guarantee"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badConfigs")
    void shouldFailNamingTheKeyWhenTheConfigIsBad(Map<String, String> props, String key) {
        assertThatThrownBy(() -> DejaConfig.load(null, Map.of(), props))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(key)
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void shouldReadSecretsFromFilesAndNeverPrintThemWhenConfigured(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("ow.key");
        Files.writeString(secret, "23bc46b1-71f6-4ed5-8c54-816aa4f8c502:sEcReTkEy123\n");
        Map<String, String> props = new HashMap<>(MINIMAL);
        props.put("deja.openwhisk.auth.file", secret.toString());

        DejaConfig config = DejaConfig.load(null, Map.of("DEJA_COUCHDB_PASSWORD", "couchPa55"), props);

        assertThat(config.secret(DejaConfig.OPENWHISK_AUTH_CONFIG)).isEqualTo("23bc46b1-71f6-4ed5-8c54-816aa4f8c502:sEcReTkEy123");
        assertThat(config.secret(DejaConfig.COUCHDB_PASSWORD_CONFIG)).isEqualTo("couchPa55");
        assertThat(config.values().toString()).doesNotContain("sEcReTkEy123", "couchPa55");
    }

    @Test
    void shouldDocumentEveryKeyWhenRenderingTheConfigTable() {
        String table = DejaConfig.markdownTable();

        DejaConfig.CONFIG.names().forEach(name -> assertThat(table).contains("`" + name + "`"));
        assertThat(table).contains("`DEJA_OPENWHISK_AUTH`", "`DEJA_BOOTSTRAP_SERVERS`");
    }

    private static Map<String, String> without(String key) {
        Map<String, String> props = new HashMap<>(MINIMAL);
        props.remove(key);
        return props;
    }

    private static Map<String, String> with(String key, String value) {
        Map<String, String> props = new HashMap<>(MINIMAL);
        props.put(key, value);
        return props;
    }
}
