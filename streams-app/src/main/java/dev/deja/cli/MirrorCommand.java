package dev.deja.cli;

import dev.deja.app.DejaApp;
import dev.deja.config.DejaConfig;
import dev.deja.mirror.Mirror;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "mirror", description = {
    "Run the CouchDB mirror alone, or rebuild its database from the table topic.",
    "Mirrors the table topic until stopped; with --rebuild recreates the database from the whole",
    "table topic (with progress lines) and exits."})
final class MirrorCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Option(names = "--rebuild", description = "Delete and recreate the database, replay the table topic into it, and exit.")
    boolean rebuild;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        DejaConfig deja = config.load();
        PrintWriter out = spec.commandLine().getOut();
        String table = deja.getString(DejaConfig.TABLE_TOPIC_CONFIG);
        if (rebuild) {
            Mirror.rebuild(deja.streamsProperties(), table, DejaApp.couchSettings(deja), Output.lines(out));
            return 0;
        }
        Mirror mirror = new Mirror(deja.streamsProperties(), table, DejaApp.couchSettings(deja),
                deja.getString(DejaConfig.DLQ_TOPIC_CONFIG));
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean failed = new AtomicBoolean();
        Thread thread = new Thread(() -> {
            try {
                mirror.run();
            } catch (RuntimeException e) {
                failed.set(true);
                spec.commandLine().getErr().println("deja: the mirror stopped: " + e.getMessage());
            } finally {
                stopped.countDown();
            }
        }, "deja-mirror");
        Runtime.getRuntime().addShutdownHook(new Thread(mirror::close, "deja-mirror-shutdown"));
        out.println("mirroring " + table + " to CouchDB; Ctrl-C stops");
        out.flush();
        thread.start();
        stopped.await();
        return failed.get() ? 1 : 0;
    }
}
