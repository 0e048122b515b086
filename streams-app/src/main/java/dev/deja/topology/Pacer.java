package dev.deja.topology;

import java.time.Duration;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * A processor's wall-clock punctuation, slowed down while there is nothing to do.
 *
 * <p>Kafka Streams marks a task for a commit after every punctuation, and under exactly-once a commit of a task
 * that consumed anything is a transaction (its offsets, again), whether or not anything changed: a task punctuated
 * every few milliseconds costs the broker and the producer a transaction per commit interval, ten a second, while
 * Deja is idle. So after {@link #IDLE_ROUNDS} punctuations in a row that found nothing to do, the punctuation runs
 * once a second instead of every {@code busy}, on the second of the wall clock, so that the idle punctuations of
 * all the tasks of a stream thread come together, one commit; a punctuation that finds work, or {@link #busy()}
 * (called when a record arrives), brings the busy pace back.
 */
final class Pacer {

    /** What a punctuation does; true when it found work (or work is still under way). */
    @FunctionalInterface
    interface Work {
        boolean run(long now);
    }

    static final int IDLE_ROUNDS = 20;
    static final Duration IDLE = Duration.ofSeconds(1);
    private static final long IDLE_MS = IDLE.toMillis();

    private final ProcessorContext<?, ?> context;
    private final Duration busy;
    private final Work work;
    private Cancellable schedule;
    private boolean slow;
    /** Slow, and the next punctuation is the one on the second (from then on, one a second). */
    private boolean aligning;
    private int idleRounds;

    /** Schedules the punctuation at the busy pace. */
    Pacer(ProcessorContext<?, ?> context, Duration busy, Work work) {
        this.context = context;
        this.busy = busy;
        this.work = work;
        this.schedule = context.schedule(busy, PunctuationType.WALL_CLOCK_TIME, this::tick);
    }

    /** Back to the busy pace (work has arrived). */
    void busy() {
        idleRounds = 0;
        if (slow) {
            pace(busy);
            slow = false;
            aligning = false;
        }
    }

    /** Whether the punctuation runs at the idle pace. */
    boolean slow() {
        return slow;
    }

    private void tick(long now) {
        if (aligning) {
            aligning = false;
            pace(IDLE);
        }
        if (work.run(now)) {
            busy();
        } else if (!slow && busy.compareTo(IDLE) < 0 && ++idleRounds >= IDLE_ROUNDS) {
            pace(Duration.ofMillis(IDLE_MS - Math.floorMod(now, IDLE_MS)));
            slow = true;
            aligning = true;
        }
    }

    private void pace(Duration interval) {
        schedule.cancel();
        schedule = context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, this::tick);
    }
}
