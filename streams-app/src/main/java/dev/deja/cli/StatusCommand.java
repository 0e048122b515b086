package dev.deja.cli;

import dev.deja.ops.Status;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "status", description = {
    "Show what the dedup table says about a dedup key, a content MD5 or an object.",
    "For bucket/object: its latest output records, then their entries. Asks the running Deja's admin",
    "endpoint, else the CouchDB mirror. Exit code 0 when found, 1 when not."})
final class StatusCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Parameters(paramLabel = "DEDUP_KEY|MD5|BUCKET/OBJECT", description = "What to look up.")
    String target;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        boolean found = new Status(config.load()).report(target, out::println);
        out.flush();
        return found ? 0 : 1;
    }
}
