package dev.deja.devstack;

import dev.deja.local.LocalStack;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "local", description = {
    "Start the embedded stack for a laptop.",
    "A Kafka broker (KRaft), an S3 server (s3proxy), an OpenWhisk-compatible action host with the",
    "thumbnail action, and CouchDB (pouchdb-server) when Node.js is installed. Writes the config",
    "file 'deja run' and 'deja upload' use, then waits until stopped."})
final class LocalCommand implements Callable<Integer> {

    @Option(names = "--data-dir", defaultValue = ".deja/local", description = "Where the stack keeps its data (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--no-couch", description = "Do not start pouchdb-server.")
    boolean noCouch;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        LocalStack stack = LocalStack.start(dataDir, new LocalStack.Options(!noCouch, 100, java.time.Duration.ZERO));
        Path config = stack.writeConfig(dataDir.resolve("deja.properties"));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stack.close();
            stopped.countDown();
        }, "deja-local-shutdown"));
        out.println("Deja local stack is up:");
        out.println("  Kafka      " + stack.kafka().bootstrapServers());
        out.println("  S3         " + stack.s3().endpoint() + " (s3proxy: sends no bucket notifications; 'deja upload' writes them)");
        out.println("  OpenWhisk  " + stack.actions().url() + " (action host: " + LocalStack.ACTION + "@" + LocalStack.ACTION_VERSION + ")");
        out.println("  CouchDB    " + stack.couch().map(c -> c.url()).orElse("not started (needs Node.js and scripts/pouchdb-server; or --no-couch)"));
        out.println();
        out.println("Settings written to " + config + " (secrets in " + config.getParent().resolve("secrets") + ", mode 600):");
        stack.settings().forEach((key, value) -> out.println("  " + key + "=" + value));
        out.println();
        out.println("Next, in another terminal:");
        out.println("  java -jar streams-app/target/deja.jar run --config " + config);
        out.println("  java -jar devstack/target/deja-dev.jar upload --config " + config + " --bucket photos FILE...");
        out.println("Ctrl-C stops the stack.");
        out.flush();
        stopped.await();
        return 0;
    }
}
