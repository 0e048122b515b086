package dev.deja.app;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/** Counts one application's stream thread failures in a sliding window, and keeps the last one's cause. */
final class ThreadFailures {

    private final int max;
    private final long windowNanos;
    private final Deque<Long> times = new ArrayDeque<>();
    private volatile String last;

    ThreadFailures(int max, Duration window) {
        this.max = max;
        this.windowNanos = window.toNanos();
    }

    /** Records a failure; false when it is the {@code max}-th within the window (stop rather than replace). */
    synchronized boolean failed(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        last = root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + oneLine(root.getMessage()));
        long now = System.nanoTime();
        while (!times.isEmpty() && now - times.peekFirst() > windowNanos) {
            times.pollFirst();
        }
        times.addLast(now);
        return times.size() < max;
    }

    /** The last failure's root cause in one line, or null. */
    String last() {
        return last;
    }

    private static String oneLine(String text) {
        String line = text.replaceAll("\\s+", " ").trim();
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
