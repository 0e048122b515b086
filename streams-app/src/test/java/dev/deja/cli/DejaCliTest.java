package dev.deja.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class DejaCliTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int deja(String... args) {
        CommandLine cli = Deja.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void shouldStopAtStartNamingTheKeyWhenAValueIsBad() {
        int code = deja("run", "--set", "bootstrap.servers=localhost:1", "--set", "deja.rules=thumbs",
                "--set", "deja.rule.thumbs.action=thumbnail", "--set", "deja.openwhisk.auth=uuid:TOPSECRETKEY",
                "--set", "deja.topic.partitions=many");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("bad configuration", "deja.topic.partitions").doesNotContain("TOPSECRETKEY");
    }

    @Test
    void shouldStopAtStartNamingTheKeyWhenTheOpenWhiskHostIsMissing() {
        int code = deja("run", "--set", "bootstrap.servers=localhost:1", "--set", "deja.rules=thumbs",
                "--set", "deja.rule.thumbs.action=thumbnail", "--set", "deja.openwhisk.auth=uuid:TOPSECRETKEY");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("deja.openwhisk.api.host").doesNotContain("TOPSECRETKEY");
    }

    @Test
    void shouldStopAtStartNamingTheSecretWhenTheOpenWhiskKeyIsMissing() {
        int code = deja("run", "--set", "bootstrap.servers=localhost:1", "--set", "deja.rules=thumbs",
                "--set", "deja.rule.thumbs.action=thumbnail", "--set", "deja.openwhisk.api.host=http://localhost:1");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("deja.openwhisk.auth", "DEJA_OPENWHISK_AUTH");
    }

    @Test
    void shouldRejectAnUnknownRoleWhenRunIsAsked() {
        int code = deja("run", "--role", "everything");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--role");
    }

    @Test
    void shouldListProductionsCommandsOnlyWhenAskedForHelp() {
        int code = deja("--help");

        assertThat(code).isZero();
        assertThat(commands(out.toString())).containsExactly("run", "replay", "status", "mirror", "config-table");
    }

    @ParameterizedTest
    @ValueSource(strings = {"run", "replay", "status", "mirror", "config-table"})
    void shouldPrintACommandsOptionsWhenAskedForItsHelp(String command) {
        int code = deja(command, "--help");

        assertThat(code).isZero();
        assertThat(out.toString()).startsWith("Usage: deja " + command);
        assertThat(err.toString()).isEmpty();
    }

    /** The command names of a help text's "Commands:" section (names at the indent, not wrapped descriptions). */
    static List<String> commands(String help) {
        return help.substring(help.indexOf("Commands:")).lines().skip(1)
                .filter(line -> line.matches("  \\S.*"))
                .map(line -> line.trim().split("\\s+")[0])
                .toList();
    }
}
