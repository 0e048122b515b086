package dev.deja.devstack;

import dev.deja.cli.Output;
import dev.deja.local.Demo;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", description = {
    "Run the main job on the embedded stack and show what happened.",
    "Starts the local stack and Deja in this process, uploads generated images with duplicates in",
    "concurrent bursts, waits for every output, prints a summary and the status page's address, and stops",
    "everything (with --keep: once stopped with Ctrl-C)."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--uploads", defaultValue = "200", description = "Uploads (default: ${DEFAULT-VALUE}).")
    int uploads;

    @Option(names = "--distinct", defaultValue = "20", description = "Distinct images among them (default: ${DEFAULT-VALUE}).")
    int distinct;

    @Option(names = "--uploaders", defaultValue = "8", description = "Concurrent uploaders (default: ${DEFAULT-VALUE}).")
    int uploaders;

    @Option(names = "--data-dir", description = "Where the stack keeps its data (default: a new temporary directory).")
    Path dataDir;

    @Option(names = "--keep", description = "Keep the stack and Deja up after the summary, until Ctrl-C, to look at the"
            + " status page or upload more.")
    boolean keep;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = dataDir != null ? dataDir : Files.createTempDirectory("deja-demo");
        Demo.Report report = Demo.runAll(dir, new Demo.Plan(uploads, distinct, uploaders, 42), keep, Output.lines(out));
        return report.outputs().size() == uploads ? 0 : 1;
    }
}
