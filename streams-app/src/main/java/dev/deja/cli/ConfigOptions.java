package dev.deja.cli;

import dev.deja.config.DejaConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The options every command that reads Deja's config shares: the file, then {@code --set} overrides. */
public final class ConfigOptions {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Properties file (keys: docs/configuration.md).")
    Path file;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one setting (after the file and DEJA_* variables).")
    Map<String, String> overrides = new LinkedHashMap<>();

    /** The config: defaults, the file, {@code DEJA_*} environment variables, then {@code --set}. */
    public DejaConfig load() {
        return DejaConfig.load(file, System.getenv(), overrides);
    }
}
