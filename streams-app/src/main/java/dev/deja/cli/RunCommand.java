package dev.deja.cli;

import dev.deja.app.DejaApp;
import dev.deja.app.Role;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
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
        spec.commandLine().getErr().println("deja: " + reason);
        return 1;
    }
}
