package dev.deja.cli;

import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code deja} executable of production ({@code deja.jar}): one subcommand per job. The only
 * place that exits the JVM. The devstack's executable builds this command tree and adds its own
 * commands to it.
 */
@Command(name = "deja", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, version = "deja 0.1.0",
        description = "Runs each serverless function once per piece of content.",
        subcommands = {RunCommand.class, ReplayCommand.class, StatusCommand.class, MirrorCommand.class, ConfigTableCommand.class,
            ClassArchiveTrainingCommand.class})
public final class Deja implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command");
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line, with bad configuration reported as one clear line instead of a stack trace. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Deja()).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler((error, commandLine, parseResult) -> {
            Throwable cause = error;
            while (cause.getCause() != null && !(cause instanceof ConfigException)) {
                cause = cause.getCause();
            }
            if (cause instanceof ConfigException) {
                commandLine.getErr().println("deja: bad configuration: " + cause.getMessage());
                return 2;
            }
            commandLine.getErr().println("deja: " + error.getMessage());
            return 1;
        });
        return cli;
    }
}
