package dev.deja.cli;

import dev.deja.app.DejaApp;
import dev.deja.app.Role;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "run", description = "Run the processor (dedup and invoker, or one of them) until stopped.")
final class RunCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Option(names = "--role", defaultValue = "all", paramLabel = "all|dedup|invoker",
            description = "Which part to run in this process (default: ${DEFAULT-VALUE}).")
    Role role;

    @Override
    public Integer call() throws Exception {
        DejaApp app = DejaApp.create(config.load());
        CountDownLatch stopped = new CountDownLatch(1);
        // Registered before the start: a SIGTERM while Deja waits for its action still drains the invoker.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "deja-shutdown"));
        app.run(role);
        stopped.await();
        return 0;
    }
}
