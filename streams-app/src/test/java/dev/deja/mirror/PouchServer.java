package dev.deja.mirror;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.deja.testing.Await;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A pouchdb-server process (CouchDB HTTP API) for tests: in memory, or persistent in a directory so
 * it can be killed and restarted on the same port. Tests are skipped when no binary is installed
 * (system property {@code deja.pouchdb.bin}, else
 * {@code ${DEJA_CACHE:-$HOME/.cache/deja}/pouchdb-server/node_modules/.bin/pouchdb-server}).
 */
final class PouchServer implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Path binary;
    private final int port;
    private final Path dir;
    private final Path workDir;
    private Process process;

    private PouchServer(Path binary, int port, Path dir, Path workDir) {
        this.binary = binary;
        this.port = port;
        this.dir = dir;
        this.workDir = workDir;
    }

    static Optional<Path> binary() {
        String property = System.getProperty("deja.pouchdb.bin");
        if (property != null && !property.isBlank() && Files.isExecutable(Paths.get(property))) {
            return Optional.of(Paths.get(property));
        }
        String cache = System.getenv("DEJA_CACHE");
        Path base = cache != null && !cache.isBlank()
                ? Paths.get(cache)
                : Paths.get(System.getProperty("user.home"), ".cache", "deja");
        Path fallback = base.resolve("pouchdb-server/node_modules/.bin/pouchdb-server");
        return Files.isExecutable(fallback) ? Optional.of(fallback) : Optional.empty();
    }

    /** Skips the calling test (class) when pouchdb-server is not installed. */
    static Path requireBinary() {
        Optional<Path> binary = binary();
        assumeTrue(binary.isPresent(), "pouchdb-server not installed: set -Ddeja.pouchdb.bin or DEJA_CACHE");
        return binary.get();
    }

    /** A started in-memory server on a free port. */
    static PouchServer inMemory() throws IOException {
        Path work = tempDir("pouch-mem");
        PouchServer server = new PouchServer(requireBinary(), freePort(), null, work);
        server.start();
        return server;
    }

    /** A started server keeping its databases in {@code dir}, on a free port. */
    static PouchServer persistent(Path dir) throws IOException {
        PouchServer server = new PouchServer(requireBinary(), freePort(), dir, dir);
        server.start();
        return server;
    }

    static Path tempDir(String prefix) throws IOException {
        Path root = Paths.get(System.getProperty("java.io.tmpdir"));
        Files.createDirectories(root);
        return Files.createTempDirectory(root, prefix);
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    /** Starts the process (again, on the same port and directory) and waits until {@code GET /} answers. */
    void start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--port", String.valueOf(port), "-n"));
        if (dir == null) {
            command.add("--in-memory");
        } else {
            command.add("--dir");
            command.add(dir.toString());
        }
        process = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(workDir.resolve("pouchdb-server.log").toFile()))
                .start();
        try {
            Await.until(START_TIMEOUT, () -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("pouchdb-server exited with " + process.exitValue()
                            + "; see " + workDir.resolve("pouchdb-server.log"));
                }
                return answers();
            }, "pouchdb-server to answer on " + url());
        } catch (AssertionError e) {
            kill();
            throw e;
        }
    }

    /** Kills the process at once (SIGKILL) and waits for it to be gone. */
    void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        kill();
    }

    private boolean answers() {
        try {
            HttpURLConnection connection = (HttpURLConnection) URI.create(url() + "/").toURL().openConnection();
            connection.setConnectTimeout(200);
            connection.setReadTimeout(1000);
            try {
                return connection.getResponseCode() == 200;
            } finally {
                connection.disconnect();
            }
        } catch (IOException e) {
            return false;
        }
    }

    /** Creates a server admin (ending the "admin party"): requests then need these credentials. */
    void createAdmin(String user, String password) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) URI.create(url() + "/_config/admins/" + user).toURL()
                .openConnection();
        connection.setRequestMethod("PUT");
        connection.setDoOutput(true);
        connection.setConnectTimeout(1000);
        connection.setReadTimeout(5000);
        try (var out = connection.getOutputStream()) {
            out.write(("\"" + password + "\"").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        int status = connection.getResponseCode();
        connection.disconnect();
        if (status != 200) {
            throw new IllegalStateException("creating the admin answered HTTP " + status);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }
}
