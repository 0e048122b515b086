package dev.deja.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.deja.app.DejaApp;
import dev.deja.app.Role;
import dev.deja.cli.Deja;
import dev.deja.config.DejaConfig;
import dev.deja.local.Demo;
import dev.deja.local.LocalStack;
import dev.deja.model.OutputRecord;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code deja mirror --rebuild} and {@code deja status} from the CouchDB mirror (pouchdb-server) with Deja stopped. */
class MirrorStackTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void shouldAnswerStatusFromTheRebuiltMirrorWhenDejaIsStopped() throws Exception {
        try (LocalStack stack = LocalStack.start(dir, new LocalStack.Options(true, 100, Duration.ZERO))) {
            assumeTrue(stack.couch().isPresent(), "pouchdb-server (Node.js) not available");
            // given
            DejaConfig config = DejaConfig.load(null, Map.of(), stack.settingsWithSecrets());
            Path file = stack.writeConfig(dir.resolve("deja.properties"));
            List<OutputRecord> outputs;
            try (DejaApp app = DejaApp.start(config, Role.ALL)) {
                app.awaitRunning(WAIT);
                outputs = Demo.run(stack, config, new Demo.Plan(12, 3, 2, 17), WAIT, line -> { }).outputs();
            }
            OutputRecord output = outputs.get(0);
            // when
            Result rebuild = run("mirror", "--config", file.toString(), "--rebuild");
            Result byKey = run("status", "--config", file.toString(), output.dedupKey());
            Result byMd5 = run("status", "--config", file.toString(), output.contentMd5());
            // then
            assertThat(rebuild.code()).isZero();
            assertThat(rebuild.out()).contains("rebuild: database deja recreated", "rebuild: done:", "3 documents written");
            assertThat(byKey.code()).isZero();
            assertThat(byKey.out()).contains("dedup key    " + output.dedupKey(), "status       DONE",
                    "source       CouchDB mirror (may lag)");
            assertThat(byMd5.code()).isZero();
            assertThat(byMd5.out()).contains("dedup key    " + output.dedupKey());
        }
    }

    private record Result(int code, String out) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = Deja.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(out));
        int code = cli.execute(args);
        return new Result(code, out.toString());
    }
}
