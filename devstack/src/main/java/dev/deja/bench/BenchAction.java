package dev.deja.bench;

import com.google.gson.JsonObject;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bench's fake OpenWhisk action: sleeps the configured latency, reads nothing, and returns a
 * small JSON. Counts its calls, the most that ran at once, and the span from the first start to
 * the last end, so the bench can tell the rate the invoker reached.
 */
public final class BenchAction {

    public static final String NAME = "bench";
    public static final String VERSION = "1";

    private volatile Duration latency;
    private final AtomicLong invocations = new AtomicLong();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger maxRunning = new AtomicInteger();
    private final AtomicLong firstStartNanos = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong lastEndNanos = new AtomicLong(Long.MIN_VALUE);

    public BenchAction(Duration latency) {
        this.latency = latency;
    }

    /** What the action did since the last {@link #reset()}. */
    public record Stats(long invocations, int maxConcurrent, double callsPerSecond) {
    }

    /** OpenWhisk's Java action contract. */
    public JsonObject main(JsonObject params) {
        long start = System.nanoTime();
        firstStartNanos.accumulateAndGet(start, Math::min);
        invocations.incrementAndGet();
        maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
        try {
            if (!latency.isZero()) {
                Thread.sleep(latency.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            running.decrementAndGet();
            lastEndNanos.accumulateAndGet(System.nanoTime(), Math::max);
        }
        JsonObject result = new JsonObject();
        result.addProperty("ok", true);
        result.addProperty("sleptMs", latency.toMillis());
        return result;
    }

    public void latency(Duration value) {
        this.latency = value;
    }

    public long invocations() {
        return invocations.get();
    }

    public synchronized Stats stats() {
        long calls = invocations.get();
        long span = lastEndNanos.get() - firstStartNanos.get();
        double rate = calls == 0 || span <= 0 ? 0 : calls * 1e9 / span;
        return new Stats(calls, maxRunning.get(), rate);
    }

    public synchronized void reset() {
        invocations.set(0);
        maxRunning.set(0);
        firstStartNanos.set(Long.MAX_VALUE);
        lastEndNanos.set(Long.MIN_VALUE);
    }
}
