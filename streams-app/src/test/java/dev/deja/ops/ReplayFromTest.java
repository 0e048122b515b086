package dev.deja.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReplayFromTest {

    @ParameterizedTest
    @ValueSource(strings = {"earliest", "EARLIEST"})
    void shouldStartAtTheBeginningWhenEarliest(String text) {
        // when
        Replay.From from = Replay.From.parse(text);
        // then
        assertThat(from.time()).isNull();
        assertThat(from).hasToString("earliest");
    }

    @Test
    void shouldStartAtTheInstantWhenIsoTime() {
        // when
        Replay.From from = Replay.From.parse("2026-11-23T10:00:00Z");
        // then
        assertThat(from.time()).isEqualTo(Instant.parse("2026-11-23T10:00:00Z"));
    }

    @Test
    void shouldExplainTheFormatWhenTheTimeIsUnreadable() {
        // when / then
        assertThatThrownBy(() -> Replay.From.parse("yesterday"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'earliest' or an ISO-8601 time");
    }
}
