package dev.deja.cli;

import dev.deja.config.DejaConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "config-table", description = "Print the configuration reference (Markdown) of docs/configuration.md, generated from the ConfigDef.")
final class ConfigTableCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().getOut().print(DejaConfig.markdownTable());
        spec.commandLine().getOut().flush();
    }
}
