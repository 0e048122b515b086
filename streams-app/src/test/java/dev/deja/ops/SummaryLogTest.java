package dev.deja.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deja.model.Outcome;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SummaryLogTest {

    @Test
    void shouldSumUpOutcomesHitRatioAndChangeWhenLogging() {
        // given
        DejaMetrics metrics = DejaMetrics.discarding();
        try (SummaryLog log = SummaryLog.start(metrics, Duration.ofHours(1))) {
            metrics.eventIn();
            metrics.eventIn();
            metrics.eventIn();
            metrics.eventIn();
            metrics.invocationRequested();
            metrics.answered(DejaMetricsTest.output("thumbs", "thumbnail", Outcome.INVOKED, 5), null);
            metrics.answered(DejaMetricsTest.output("thumbs", "thumbnail", Outcome.CACHED, 5), 10L);
            metrics.answered(DejaMetricsTest.output("thumbs", "thumbnail", Outcome.COALESCED, 5), 10L);
            metrics.deadLetter("not a MinIO event");
            String first = log.line();
            metrics.answered(DejaMetricsTest.output("thumbs", "thumbnail", Outcome.CACHED, 5), 10L);
            // when
            String second = log.line();
            // then
            assertThat(first).isEqualTo("summary: events in 4, uploads 3 (+3) [INVOKED 1, COALESCED 1, CACHED 1, FAILED 0],"
                    + " invocations requested 1, hit ratio 66.7%, dead letters 1");
            assertThat(second).contains("uploads 4 (+1)", "CACHED 2", "hit ratio 75.0%");
        }
    }
}
