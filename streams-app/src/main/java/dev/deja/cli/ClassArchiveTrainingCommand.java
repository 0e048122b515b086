package dev.deja.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The training run of an AppCDS archive, with no broker and no network: loads, without
 * initialising them, the classes a start of {@code deja run} and its first cache hits and
 * invocations load, as listed in {@value #CLASS_LIST} (written by {@code deja bench}'s scenario 8:
 * {@code -XX:DumpLoadedClassList} of a real run). Run as
 * {@code java -XX:ArchiveClassesAtExit=deja.jsa -jar deja.jar cds-training}, the JVM then writes
 * them into the archive at exit, parsed and verified, and a {@code deja run} started with
 * {@code -XX:SharedArchiveFile=deja.jsa} and the same jar maps them instead of reading them from
 * the jar. A listed class the jar no longer holds is skipped: an old list makes a smaller archive,
 * never a wrong one.
 */
@Command(name = "cds-training", hidden = true,
        description = "Load the classes a start of `deja run` loads, for an AppCDS archive:"
                + " java -XX:ArchiveClassesAtExit=FILE -jar deja.jar cds-training")
final class ClassArchiveTrainingCommand implements Callable<Integer> {

    static final String CLASS_LIST = "/dev/deja/cli/startup-classes.txt";

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        ClassLoader loader = ClassArchiveTrainingCommand.class.getClassLoader();
        int loaded = 0;
        int missing = 0;
        try (InputStream list = ClassArchiveTrainingCommand.class.getResourceAsStream(CLASS_LIST)) {
            if (list == null) {
                spec.commandLine().getErr().println("deja: " + CLASS_LIST + " is missing from the jar");
                return 1;
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(list, StandardCharsets.UTF_8));
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                String name = line.strip();
                if (name.isEmpty() || name.startsWith("#")) {
                    continue;
                }
                try {
                    Class.forName(name.replace('/', '.'), false, loader);
                    loaded++;
                } catch (ClassNotFoundException | LinkageError e) {
                    missing++;
                }
            }
        }
        out.println("cds-training: loaded " + loaded + " classes, " + missing + " listed but not in this jar");
        out.flush();
        return 0;
    }
}
