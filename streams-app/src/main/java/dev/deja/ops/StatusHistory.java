package dev.deja.ops;

import dev.deja.model.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last hour of this process's figures, for the status page's charts and its last-5-minutes column: a
 * sample of {@link DejaMetrics} every {@link #PERIOD}, in a ring of {@link #SAMPLES} (one hour). Each sample
 * holds the counters since start and, for its interval, the end-to-end p50 and p99 estimated from the latency
 * histogram's bucket counts as PromQL's {@code histogram_quantile} does.
 */
public final class StatusHistory implements AutoCloseable {

    public static final Duration PERIOD = Duration.ofSeconds(10);
    public static final Duration SPAN = Duration.ofHours(1);
    public static final int SAMPLES = (int) (SPAN.toMillis() / PERIOD.toMillis());
    private static final Logger LOG = LoggerFactory.getLogger(StatusHistory.class);

    /**
     * One sample: the counters since start at {@code timeMs}; the interval's p50 and p99 in milliseconds (NaN
     * when nothing was answered in it); calls in flight (-1 without an invoker); the breaker state (null without).
     */
    public record Sample(long timeMs, DejaMetrics.Totals totals, double p50Ms, double p99Ms, double inFlight, String breaker) {
    }

    private final DejaMetrics metrics;
    private final Sample[] ring = new Sample[SAMPLES];
    private final Sample start;
    private long taken;
    private DejaMetrics.Histogram lastHistogram;
    private ScheduledExecutorService scheduler;

    StatusHistory(DejaMetrics metrics, long startMs) {
        this.metrics = metrics;
        this.lastHistogram = metrics.latencyHistogram();
        this.start = new Sample(startMs, metrics.totals(), Double.NaN, Double.NaN, metrics.inFlight(), metrics.breakerState());
    }

    /** Starts sampling every {@link #PERIOD}. */
    public static StatusHistory start(DejaMetrics metrics) {
        StatusHistory history = new StatusHistory(metrics, System.currentTimeMillis());
        history.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "deja-status-history");
            thread.setDaemon(true);
            return thread;
        });
        history.scheduler.scheduleAtFixedRate(() -> {
            try {
                history.sample(System.currentTimeMillis());
            } catch (RuntimeException e) {
                LOG.warn("status sample failed: {}", e.toString());
            }
        }, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        return history;
    }

    /** Takes one sample now. */
    synchronized Sample sample(long nowMs) {
        DejaMetrics.Histogram histogram = metrics.latencyHistogram();
        double[] delta = new double[histogram.cumulative().length];
        for (int i = 0; i < delta.length; i++) {
            double before = i < lastHistogram.cumulative().length ? lastHistogram.cumulative()[i] : 0;
            delta[i] = histogram.cumulative()[i] - before;
        }
        long count = histogram.count() - lastHistogram.count();
        lastHistogram = histogram;
        Sample sample = new Sample(nowMs, metrics.totals(), quantile(0.50, histogram.boundsMs(), delta, count),
                quantile(0.99, histogram.boundsMs(), delta, count), metrics.inFlight(), metrics.breakerState());
        ring[(int) (taken++ % SAMPLES)] = sample;
        return sample;
    }

    /** The samples of the last hour, oldest first. */
    public synchronized List<Sample> samples() {
        int size = (int) Math.min(taken, SAMPLES);
        List<Sample> list = new ArrayList<>(size);
        for (long i = taken - size; i < taken; i++) {
            list.add(ring[(int) (i % SAMPLES)]);
        }
        return list;
    }

    /** The counters when sampling started (all zero in a new process). */
    public Sample startSample() {
        return start;
    }

    /**
     * The sample a window of {@code window} ending at {@code nowMs} starts from: the newest at least that old, else
     * the oldest kept, else the process's start (all zero).
     */
    public synchronized Sample baseline(long nowMs, Duration window) {
        Sample found = null;
        for (Sample sample : samples()) {
            if (sample.timeMs() <= nowMs - window.toMillis()) {
                found = sample;
            }
        }
        if (found != null) {
            return found;
        }
        return taken > SAMPLES ? ring[(int) (taken % SAMPLES)] : start;
    }

    /**
     * The {@code q} quantile of {@code count} observations with {@code cumulative[i]} at or below {@code bounds[i]}:
     * linear within the bucket the rank falls in (from 0 for the first); the last bound when it falls beyond them.
     */
    static double quantile(double q, double[] bounds, double[] cumulative, long count) {
        if (count <= 0 || bounds.length == 0) {
            return Double.NaN;
        }
        double rank = q * count;
        double lower = 0;
        double below = 0;
        for (int i = 0; i < bounds.length; i++) {
            if (cumulative[i] >= rank && cumulative[i] > below) {
                return lower + (bounds[i] - lower) * (rank - below) / (cumulative[i] - below);
            }
            lower = bounds[i];
            below = cumulative[i];
        }
        return bounds[bounds.length - 1];
    }

    /** The outcome counts of {@code to} minus those of {@code from}. */
    static long uploads(DejaMetrics.Totals from, DejaMetrics.Totals to, Outcome outcome) {
        return to.uploads().get(outcome) - from.uploads().get(outcome);
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
