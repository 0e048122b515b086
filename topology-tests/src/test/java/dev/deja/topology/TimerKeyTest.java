package dev.deja.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Timer keys sort by due time because the deadline is zero-padded to 19 digits, as the formatter would pad it. */
class TimerKeyTest {

    @Test
    void shouldPadTheDeadlineExactlyAsTheFormatterDoes() {
        for (long deadline : List.of(0L, 1L, 42L, 1_796_144_201_390L, 999_999_999_999_999_999L, Long.MAX_VALUE, -1L)) {
            assertThat(DedupProcessor.deadlinePrefix(deadline)).isEqualTo(String.format("%019d", deadline));
        }
        assertThat(DedupProcessor.timerKey(9, "k")).isLessThan(DedupProcessor.timerKey(10, "k"));
    }
}
