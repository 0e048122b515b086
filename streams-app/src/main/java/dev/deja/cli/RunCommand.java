package dev.deja.cli;

import ch.qos.logback.classic.LoggerContext;
import dev.deja.app.DejaApp;
import dev.deja.app.Role;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "run", description = "Run the processor (dedup and invoker, or one of them) until stopped.")
final class RunCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Option(names = "--role", defaultValue = "all", paramLabel = "all|dedup|invoker",
            description = "Which part to run in this process (default: ${DEFAULT-VALUE}).")
    Role role;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        DejaApp app = DejaApp.create(config.load());
        CompletableFuture<String> stopped = new CompletableFuture<>();
        // Registered before the start: a SIGTERM while Deja waits for its action still drains the invoker.
        Thread hook = new Thread(() -> {
            app.close();
            stopped.complete(null);
        }, "deja-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        app.run(role);
        CompletableFuture.anyOf(stopped, app.failure()).join();
        if (stopped.isDone()) {
            return 0;
        }
        // An application stopped for good: exit non-zero, so that a restart policy restarts the process.
        String reason = app.failure().join();
        Runtime.getRuntime().removeShutdownHook(hook);
        app.close();
        // A stream thread that outlived the close (stuck retrying a commit for a deleted topic, say) logs on until
        // the exit: stop the logging first, so that the reason is the process's last line, as a restart policy or
        // an operator reading the tail of the log expects.
        stopLogging();
        spec.commandLine().getErr().println("deja: " + reason);
        return 1;
    }

    private static void stopLogging() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logback) {
            logback.stop();
        }
    }
}
