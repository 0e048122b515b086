package dev.deja.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedPunctuator;
import org.junit.jupiter.api.Test;

/** Kafka Streams commits a task (under EOS, a transaction) after every punctuation: an idle one must punctuate rarely. */
class PacerTest {

    private final MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
    private final AtomicBoolean work = new AtomicBoolean();

    private CapturedPunctuator live() {
        return context.scheduledPunctuators().stream().filter(p -> !p.cancelled()).reduce((a, b) -> b).orElseThrow();
    }

    private long clock;

    /** Punctuations 1 ms apart, from 0 ms. */
    private void punctuate(int times) {
        for (int i = 0; i < times; i++) {
            live().getPunctuator().punctuate(clock++);
        }
    }

    @Test
    void shouldSlowDownAfterPunctuationsThatFindNothingAndSpeedUpWhenWorkArrives() {
        Pacer pacer = new Pacer(context, Duration.ofMillis(5), now -> work.get());
        assertThat(live().getInterval()).isEqualTo(Duration.ofMillis(5));

        // when: nothing to do, round after round
        punctuate(Pacer.IDLE_ROUNDS - 1);
        assertThat(pacer.slow()).isFalse();
        punctuate(1);

        // then: the next punctuation on the second of the wall clock (the last one ran at 19 ms), then one a second
        assertThat(pacer.slow()).isTrue();
        assertThat(live().getInterval()).isEqualTo(Duration.ofMillis(1_000 - 19));
        live().getPunctuator().punctuate(1_000);
        clock = 1_001;
        assertThat(live().getInterval()).isEqualTo(Pacer.IDLE);
        assertThat(context.scheduledPunctuators().stream().filter(p -> !p.cancelled())).hasSize(1);

        // when: a record arrives
        pacer.busy();

        // then
        assertThat(live().getInterval()).isEqualTo(Duration.ofMillis(5));

        // and a slow punctuation that finds work speeds up too
        punctuate(Pacer.IDLE_ROUNDS);
        assertThat(pacer.slow()).isTrue();
        work.set(true);
        punctuate(1);
        assertThat(pacer.slow()).isFalse();
        assertThat(live().getInterval()).isEqualTo(Duration.ofMillis(5));
        assertThat(context.scheduledPunctuators().stream().filter(p -> !p.cancelled())).hasSize(1);
    }

    @Test
    void shouldKeepTheBusyPaceWhileEveryPunctuationFindsWork() {
        work.set(true);
        Pacer pacer = new Pacer(context, Duration.ofMillis(100), now -> work.get());

        punctuate(Pacer.IDLE_ROUNDS * 3);

        assertThat(pacer.slow()).isFalse();
        assertThat(context.scheduledPunctuators()).singleElement()
                .satisfies(p -> assertThat(p.getInterval()).isEqualTo(Duration.ofMillis(100)));
    }
}
