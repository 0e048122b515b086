package dev.deja.devstack;

import dev.deja.cli.Deja;
import picocli.CommandLine;

/**
 * The {@code deja} executable of the devstack ({@code deja-dev.jar}): production's command tree
 * ({@code run}, {@code replay}, {@code status}, {@code mirror}, {@code config-table}) with the
 * embedded stack's commands added: {@code local}, {@code upload}, {@code demo}, {@code bench} and {@code bench-compare}.
 */
public final class DejaDev {

    private DejaDev() {
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** {@link Deja#commandLine()}, and the devstack's commands. */
    public static CommandLine commandLine() {
        CommandLine cli = Deja.commandLine();
        cli.addSubcommand(new LocalCommand());
        cli.addSubcommand(new UploadCommand());
        cli.addSubcommand(new DemoCommand());
        cli.addSubcommand(new BenchCommand());
        cli.addSubcommand(new BenchCompareCommand());
        // Settings given to a command line reach the subcommands it has at the time: again, for the new ones.
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        return cli;
    }
}
