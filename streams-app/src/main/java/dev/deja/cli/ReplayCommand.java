package dev.deja.cli;

import dev.deja.ops.Replay;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "replay", description = {
    "Reprocess the input from a point in time (with Deja stopped).",
    "The kept table answers content it already knows (CACHED, no new call); --reinvoke wipes the",
    "table so every content is invoked again. Prints each step, partition by partition, before and",
    "after taking it."})
final class ReplayCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Option(names = "--from", required = true, paramLabel = "earliest|TIME",
            description = "'earliest', or an ISO-8601 time such as 2026-11-23T10:00:00Z (per partition, the first record at or after it).")
    String from;

    @Option(names = "--reinvoke", description = "Wipe the dedup table (internal topics, local state, tombstones in the table topic).")
    boolean reinvoke;

    @Option(names = "--dry-run", description = "Only print what would be done.")
    boolean dryRun;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Replay.run(config.load(), Replay.From.parse(from), reinvoke, dryRun, Output.lines(out));
        return 0;
    }
}
