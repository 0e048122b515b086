package dev.deja.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deja.cli.Deja;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class OpsCommandsTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void shouldListTheOperationsCommandsWhenAskedForHelp() {
        // when
        int code = deja("--help");
        // then
        assertThat(code).isZero();
        assertThat(out.toString()).contains("replay", "status", "mirror");
    }

    @Test
    void shouldAskForTheStartingPointWhenReplayHasNoFrom() {
        // when
        int code = deja("replay");
        // then
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--from");
    }

    @Test
    void shouldExplainTheFormatWhenReplayFromIsUnreadable() {
        // when
        int code = deja("replay", "--set", "bootstrap.servers=localhost:1", "--set", "deja.rules=r",
                "--set", "deja.rule.r.action=a", "--from", "yesterday");
        // then
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("'earliest' or an ISO-8601 time");
    }

    private int deja(String... args) {
        CommandLine cli = Deja.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }
}
