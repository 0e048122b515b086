package dev.deja.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EventTimeTest {

    @Test
    void shouldReadMinioEventTimesAsInstantParseDoes() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 10_000; i++) {
            Instant instant = Instant.ofEpochMilli(random.nextLong(0, 4_102_444_800_000L));
            // MinIO writes milliseconds; Instant.toString drops a zero fraction, so both forms are covered.
            for (String text : new String[] {instant.toString(), instant.truncatedTo(ChronoUnit.SECONDS).toString()}) {
                assertThat(IngestProcessor.utcMillis(text)).as(text).isEqualTo(Instant.parse(text).toEpochMilli());
            }
        }
        assertThat(IngestProcessor.utcMillis("2024-02-29T23:59:59.123456789Z"))
                .isEqualTo(Instant.parse("2024-02-29T23:59:59.123456789Z").toEpochMilli());
        assertThat(IngestProcessor.utcMillis("2024-05-01T12:00:00.5Z")).isEqualTo(Instant.parse("2024-05-01T12:00:00.500Z").toEpochMilli());
    }

    @ParameterizedTest
    @ValueSource(strings = {"2023-02-29T00:00:00.000Z", "2024-13-01T00:00:00.000Z", "2024-05-01T24:00:00.000Z",
        "2024-05-01T12:00:00.000+02:00", "2024-05-01 12:00:00.000Z", "2024-05-01T12:00:00.Z", "2024-05-01T12:0a:00Z",
        "2024-05-01T12:00:00.0000000000Z", "yesterday"})
    void shouldLeaveOtherFormsToTheFullParser(String text) {
        assertThat(IngestProcessor.utcMillis(text)).isEqualTo(Long.MIN_VALUE);
    }
}
