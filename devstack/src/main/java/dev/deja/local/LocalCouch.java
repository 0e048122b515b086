package dev.deja.local;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A CouchDB-API server for {@code deja local} and the tests: {@code pouchdb-server} (Node.js),
 * started through {@code scripts/pouchdb-server}, which installs it into a cache on first use
 * (about 90 s) and reuses it after.
 *
 * <p>{@link #start} returns empty when {@code node} or {@code npm} is not on the {@code PATH}, or the
 * script cannot be found, so callers can run without CouchDB. The server listens on
 * {@code 127.0.0.1} and a port chosen free at start, in memory or on disk; its working directory
 * and log are in a temporary directory deleted on {@link #close()}.
 */
public final class LocalCouch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalCouch.class);
    static final String SCRIPT = "scripts/pouchdb-server";
    /** Long enough for the first-use install. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofMinutes(5);

    private final Process process;
    private final Path workDir;
    private final String url;

    private LocalCouch(Process process, Path workDir, String url) {
        this.process = process;
        this.workDir = workDir;
        this.url = url;
    }

    /**
     * Starts pouchdb-server and waits until {@code GET /} answers.
     *
     * @param script  the launcher; {@code null} to look for {@value #SCRIPT} in the working
     *                directory and its parents
     * @param dataDir where databases are kept; {@code null} for in memory
     * @param timeout how long to wait for the server (including a first-use install)
     * @return empty when Node.js or the script is missing
     * @throws IllegalStateException if the server does not come up in time or exits
     */
    public static Optional<LocalCouch> start(Path script, Path dataDir, Duration timeout) {
        if (!onPath("node") || !onPath("npm")) {
            LOG.info("node/npm not found on PATH: no local CouchDB");
            return Optional.empty();
        }
        Optional<Path> launcher = script != null ? Optional.of(script)
                : findScript(Path.of("").toAbsolutePath()).or(() -> jarLocation().flatMap(LocalCouch::findScript));
        if (launcher.isEmpty() || !Files.isExecutable(launcher.get())) {
            LOG.info("{} not found: no local CouchDB", SCRIPT);
            return Optional.empty();
        }
        int port = EmbeddedKafka.freePort();
        List<String> command = new ArrayList<>(List.of(launcher.get().toString(), "--port", String.valueOf(port),
                "--host", "127.0.0.1", "-n"));
        if (dataDir == null) {
            command.add("--in-memory");
        } else {
            command.add("--dir");
            command.add(dataDir.toAbsolutePath().toString());
        }
        Path workDir;
        Process process;
        try {
            if (dataDir != null) {
                Files.createDirectories(dataDir);
            }
            workDir = EmbeddedKafka.tempDir("deja-couch-");
            process = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(workDir.resolve("pouchdb-server.out").toFile())
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + launcher.get() + ": " + e.getMessage(), e);
        }
        String url = "http://127.0.0.1:" + port;
        LocalCouch couch = new LocalCouch(process, workDir, url);
        try {
            couch.awaitReady(timeout);
        } catch (RuntimeException e) {
            couch.close();
            throw e;
        }
        LOG.info("CouchDB-API server (pouchdb-server) started at {}", url);
        return Optional.of(couch);
    }

    /** {@link #start(Path, Path, Duration)} in memory, script found from the working directory. */
    public static Optional<LocalCouch> start() {
        return start(null, null, DEFAULT_START_TIMEOUT);
    }

    /** Base URL, e.g. {@code http://127.0.0.1:41234}; no credentials needed. */
    public String url() {
        return url;
    }

    /** Stops the server and every process it started, and deletes its working directory. */
    @Override
    public void close() {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        EmbeddedKafka.deleteRecursively(workDir);
        LOG.info("CouchDB-API server at {} stopped", url);
    }

    private void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/")).timeout(Duration.ofSeconds(2)).GET().build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("pouchdb-server exited with " + process.exitValue()
                        + "; see " + workDir.resolve("pouchdb-server.out"));
            }
            try {
                HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // Not listening yet.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for pouchdb-server", e);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for pouchdb-server", e);
            }
        }
        throw new IllegalStateException("pouchdb-server did not answer at " + url + " within " + timeout);
    }

    static Optional<Path> findScript(Path from) {
        for (Path dir = from; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(SCRIPT);
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Where the running jar (or classes directory) is: a checkout's scripts/ is above it. */
    private static Optional<Path> jarLocation() {
        try {
            return Optional.of(Path.of(LocalCouch.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
