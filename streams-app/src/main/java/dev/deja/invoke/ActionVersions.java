package dev.deja.invoke;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cache of the OpenWhisk version of every rule action, part of each dedup key. Updating an action in OpenWhisk
 * changes its version, so later uploads get new dedup keys and old results are no longer served.
 *
 * <p>{@link #versionOf} only reads the cache. {@link #awaitInitial} fills it at start-up; {@link #start}
 * refreshes it on a schedule. A failed refresh keeps the old version and logs one WARN per failure streak.
 */
public final class ActionVersions implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ActionVersions.class);

    private final OpenWhiskClient client;
    private final List<String> actions;
    private final Map<String, String> versions = new ConcurrentHashMap<>();
    private final Set<String> failing = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService scheduler;

    /**
     * @param client  the OpenWhisk client (owned by the caller)
     * @param actions the actions the rules name ({@code name} or {@code pkg/name})
     */
    public ActionVersions(OpenWhiskClient client, Collection<String> actions) {
        this.client = client;
        this.actions = List.copyOf(new LinkedHashSet<>(actions));
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "deja-action-versions");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The cached version of {@code action}; {@code null} when it was never fetched or is not a rule action. */
    public String versionOf(String action) {
        return versions.get(action);
    }

    /** A sorted copy of the cache. */
    public Map<String, String> snapshot() {
        return new TreeMap<>(versions);
    }

    /**
     * Fetches every action's version. Fetched versions replace the cached ones; an action whose fetch fails keeps
     * its old version.
     *
     * @return completes when every fetch has ended: normally when all succeeded, else exceptionally with an
     *     {@link IllegalStateException} naming each action that failed and why
     */
    public CompletableFuture<Void> refreshAll() {
        List<CompletableFuture<String>> fetches = new ArrayList<>();
        for (String action : actions) {
            fetches.add(refresh(action));
        }
        return CompletableFuture.allOf(fetches.toArray(CompletableFuture[]::new)).handle((ignored, error) -> {
            List<String> failures = new ArrayList<>();
            for (CompletableFuture<String> fetch : fetches) {
                String failure = fetch.join();
                if (failure != null) {
                    failures.add(failure);
                }
            }
            if (!failures.isEmpty()) {
                throw new IllegalStateException("cannot fetch the version of OpenWhisk action(s): "
                        + String.join("; ", failures));
            }
            return null;
        });
    }

    /** Fetches one version; the future yields null on success or a failure description. Never fails. */
    private CompletableFuture<String> refresh(String action) {
        CompletableFuture<String> version;
        try {
            version = client.actionVersion(action);
        } catch (RuntimeException e) {
            version = CompletableFuture.failedFuture(e);
        }
        return version.handle((value, error) -> {
            if (error == null) {
                String old = versions.put(action, value);
                if (failing.remove(action)) {
                    LOG.info("Version of action {} readable again: {}", action, value);
                }
                if (old != null && !old.equals(value)) {
                    LOG.info("Action {} changed version {} -> {}: new dedup keys from now on", action, old, value);
                }
                return null;
            }
            String reason = unwrap(error).getMessage();
            if (failing.add(action)) {
                LOG.warn("Cannot refresh the version of action {}; keeping {}: {}", action,
                        versions.getOrDefault(action, "none"), reason);
            }
            return "'" + action + "' (" + reason + ")";
        });
    }

    /** Refreshes every {@code every}, starting after one period; failures are logged, never thrown. */
    public void start(Duration every) {
        long period = every.toMillis();
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                refreshAll().get(Math.max(period, client.settings().callTimeout().toMillis()),
                        TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                LOG.debug("Action version refresh incomplete: {}", unwrap(e).getMessage());
            }
        }, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * Blocks until every action's version is known (for start-up).
     *
     * @throws IllegalStateException naming the action(s) whose version cannot be fetched, or those still
     *     unknown when {@code timeout} passes
     */
    public void awaitInitial(Duration timeout) {
        try {
            refreshAll().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = unwrap(e);
            throw new IllegalStateException(cause.getMessage(), cause);
        } catch (TimeoutException e) {
            List<String> missing = actions.stream().filter(a -> !versions.containsKey(a)).toList();
            throw new IllegalStateException("timed out after " + timeout + " fetching the version of OpenWhisk "
                    + "action(s) " + missing, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted fetching OpenWhisk action versions", e);
        }
    }

    /** Stops the scheduled refresh; does not close the client. */
    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
