package dev.deja.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** The devstack's {@code deja}: production's commands, the devstack's added, each answering as production's do. */
class DejaDevCliTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @TempDir
    Path dir;

    private int deja(String... args) {
        CommandLine cli = DejaDev.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void shouldListProductionsCommandsAndTheDevstacksWhenAskedForHelp() {
        int code = deja("--help");

        assertThat(code).isZero();
        assertThat(commands(out.toString()))
                .containsExactly("run", "replay", "status", "mirror", "config-table", "local", "upload", "demo", "bench",
                        "bench-compare");
    }

    @ParameterizedTest
    @ValueSource(strings = {"run", "replay", "status", "mirror", "config-table", "local", "upload", "demo", "bench",
        "bench-compare"})
    void shouldPrintACommandsOptionsWhenAskedForItsHelp(String command) {
        int code = deja(command, "--help");

        assertThat(code).isZero();
        assertThat(out.toString()).startsWith("Usage: deja " + command);
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void shouldStopNamingTheKeyWhenAnAddedCommandIsGivenABadValue() throws Exception {
        Path file = Files.writeString(dir.resolve("cat.png"), "not an image");

        int code = deja("upload", "--set", "bootstrap.servers=localhost:1", "--set", "deja.rules=thumbs",
                "--set", "deja.rule.thumbs.action=thumbnail", "--set", "deja.topic.partitions=many",
                "--bucket", "photos", file.toString());

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("bad configuration", "deja.topic.partitions");
    }

    /** The command names of a help text's "Commands:" section (names at the indent, not wrapped descriptions). */
    private static List<String> commands(String help) {
        return help.substring(help.indexOf("Commands:")).lines().skip(1)
                .filter(line -> line.matches("  \\S.*"))
                .map(line -> line.trim().split("\\s+")[0])
                .toList();
    }
}
