package dev.deja.ops;

import dev.deja.model.Outcome;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one INFO line every period (by default {@link #DEFAULT_PERIOD}) that sums up the process
 * since it started: events in, uploads answered by outcome, invocations requested, the hit ratio
 * (cached and coalesced answers over all answers) and dead letters, with the change since the
 * last line. Deja writes no per-record INFO line; this is the running picture.
 */
public final class SummaryLog implements AutoCloseable {

    public static final Duration DEFAULT_PERIOD = Duration.ofSeconds(60);
    private static final Logger LOG = LoggerFactory.getLogger(SummaryLog.class);

    private final DejaMetrics metrics;
    private final ScheduledExecutorService scheduler;
    private double lastUploads;

    private SummaryLog(DejaMetrics metrics, ScheduledExecutorService scheduler) {
        this.metrics = metrics;
        this.scheduler = scheduler;
    }

    /** Starts logging every {@code period}. */
    public static SummaryLog start(DejaMetrics metrics, Duration period) {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "deja-summary");
            thread.setDaemon(true);
            return thread;
        });
        SummaryLog log = new SummaryLog(metrics, scheduler);
        scheduler.scheduleAtFixedRate(log::logOnce, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        return log;
    }

    private void logOnce() {
        try {
            LOG.info(line());
        } catch (RuntimeException e) {
            LOG.warn("summary failed: {}", e.toString());
        }
    }

    /** The summary line, e.g. {@code "summary: events in 120, uploads 118 (+18) INVOKED 20 ..."}. */
    synchronized String line() {
        double invoked = metrics.count(Outcome.INVOKED);
        double coalesced = metrics.count(Outcome.COALESCED);
        double cached = metrics.count(Outcome.CACHED);
        double failed = metrics.count(Outcome.FAILED);
        double uploads = invoked + coalesced + cached + failed;
        double delta = uploads - lastUploads;
        lastUploads = uploads;
        return String.format("summary: events in %.0f, uploads %.0f (+%.0f) [INVOKED %.0f, COALESCED %.0f, CACHED %.0f,"
                        + " FAILED %.0f], invocations requested %.0f, hit ratio %.1f%%, dead letters %.0f",
                metrics.eventsIn(), uploads, delta, invoked, coalesced, cached, failed, metrics.invocationsRequested(),
                uploads == 0 ? 0.0 : 100.0 * (cached + coalesced) / uploads, metrics.deadLetters());
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
