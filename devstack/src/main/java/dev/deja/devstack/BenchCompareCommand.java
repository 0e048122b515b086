package dev.deja.devstack;

import dev.deja.bench.BenchCompare;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "bench-compare", description = {
    "Print the figures of bench runs of a base and of a change side by side, run by run, with each side's median",
    "and their ratio: a Markdown table. For runs made alternately in the same hour (scripts/bench-ab does), since",
    "on a shared machine one run's ratio measures the hour as much as the code."})
final class BenchCompareCommand implements Callable<Integer> {

    @Option(names = "--base", split = ",", required = true, paramLabel = "DIR",
            description = "Results directories (bench --out) of the base's runs, comma-separated.")
    List<Path> base;

    @Option(names = "--change", split = ",", required = true, paramLabel = "DIR",
            description = "Results directories of the change's runs, comma-separated.")
    List<Path> change;

    @Option(names = "--figures", paramLabel = "REGEX",
            description = "Figures to show, by <scenario>.<key> (e.g. '^2\\.' or '.' for all; default: the headline ones).")
    String figures = BenchCompare.HEADLINE;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Pattern pattern;
        try {
            pattern = Pattern.compile(figures);
        } catch (PatternSyntaxException e) {
            throw new ParameterException(spec.commandLine(), "--figures is not a regular expression: " + e.getDescription());
        }
        PrintWriter out = spec.commandLine().getOut();
        BenchCompare.table(base, change, pattern).forEach(out::println);
        out.flush();
        return 0;
    }
}
