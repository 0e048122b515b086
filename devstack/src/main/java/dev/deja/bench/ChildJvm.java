package dev.deja.bench;

import dev.deja.config.DejaConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A JVM of its own that the bench starts, from the bench's own Java installation. Its standard
 * output and error go to one log file. It never outlives the bench: {@link #stop} ends it, and a
 * shutdown hook of the bench's JVM ends every child still running when the bench exits.
 */
final class ChildJvm {

    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly),
                "deja-bench-children"));
    }

    private final Process process;
    private final Path log;
    private final long launchedNanos;

    private ChildJvm(Process process, Path log, long launchedNanos) {
        this.process = process;
        this.log = log;
        this.launchedNanos = launchedNanos;
    }

    /**
     * Starts {@code java <jvmFlags> <command>} with its output in {@code log}. The child's
     * environment is the bench's without the {@code DEJA_*} variables (which would override the
     * config file it is given), except {@code DEJA_LOG_LEVEL}.
     */
    static ChildJvm start(List<String> jvmFlags, List<String> command, Path log) {
        List<String> line = new ArrayList<>();
        line.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        line.addAll(jvmFlags);
        line.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(line).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet()
                .removeIf(name -> name.startsWith(DejaConfig.ENV_PREFIX) && !name.equals("DEJA_LOG_LEVEL"));
        try {
            Files.createDirectories(log.getParent());
            long launched = System.nanoTime();
            Process process = builder.start();
            RUNNING.add(process);
            return new ChildJvm(process, log, launched);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", line), e);
        }
    }

    /** When the process was launched ({@link System#nanoTime()}, just before the fork). */
    long launchedNanos() {
        return launchedNanos;
    }

    boolean alive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    /** CPU time the process has used so far (all its threads), or zero where the OS does not say. */
    Duration cpu() {
        return process.info().totalCpuDuration().orElse(Duration.ZERO);
    }

    /** Waits up to {@code timeout} for the process to end by itself; returns whether it did. */
    boolean waitFor(Duration timeout) throws InterruptedException {
        boolean ended = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (ended) {
            RUNNING.remove(process);
        }
        return ended;
    }

    /** Kills the process at once (SIGKILL: no shutdown hook runs), as a crash would, and waits for it to end. */
    void kill() throws InterruptedException {
        try {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        } finally {
            RUNNING.remove(process);
        }
    }

    /**
     * Asks the process to stop (SIGTERM: its shutdown hooks run) and waits up to {@code grace};
     * then kills it (SIGKILL). Returns its exit code.
     */
    int stop(Duration grace) throws InterruptedException {
        try {
            process.destroy();
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            return process.isAlive() ? -1 : process.exitValue();
        } finally {
            RUNNING.remove(process);
        }
    }

    /**
     * Writes {@code config} as the properties file of a Deja process; the OpenWhisk key goes in a
     * file of its own beside it ({@code <file>.openwhisk-key}), named by {@code deja.openwhisk.auth.file}.
     */
    static Path writeConfig(DejaConfig config, Path file, String comment) throws IOException {
        Properties props = new Properties();
        config.originals().forEach((key, value) -> props.put(key, String.valueOf(value)));
        String key = config.secret(DejaConfig.OPENWHISK_AUTH_CONFIG);
        props.remove(DejaConfig.OPENWHISK_AUTH_CONFIG);
        Path secret = file.resolveSibling(file.getFileName() + ".openwhisk-key");
        Files.createDirectories(file.getParent());
        Files.writeString(secret, key);
        props.put(DejaConfig.OPENWHISK_AUTH_CONFIG + ".file", secret.toString());
        try (OutputStream out = Files.newOutputStream(file)) {
            props.store(out, comment);
        }
        return file;
    }
}
