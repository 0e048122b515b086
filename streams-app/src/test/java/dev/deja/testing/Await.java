package dev.deja.testing;

import java.time.Duration;

/**
 * Waits in tests for something that happens on another thread or in another process, bounded in
 * time: the one wait-until loop of Deja's tests. Shared with the modules after streams-app through
 * its test jar.
 */
public final class Await {

    private static final Duration POLL = Duration.ofMillis(25);

    private Await() {
    }

    /** A condition to wait for; it may throw, and the wait stops on what it throws. */
    @FunctionalInterface
    public interface Condition {
        boolean met() throws Exception;
    }

    /**
     * Returns once {@code condition} is met, asking it every 25 ms.
     *
     * @param what what is awaited, for the failure message
     * @throws AssertionError if it is not met within {@code timeout}, or the condition throws a
     *                        checked exception (an unchecked one is thrown as it is)
     */
    public static void until(Duration timeout, Condition condition, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (!condition.met()) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
                }
                Thread.sleep(POLL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for: " + what, e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError("failed waiting for: " + what, e);
        }
    }
}
