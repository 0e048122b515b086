package dev.deja.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deja.testing.RepoRoot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a new user sees on the README's first command: the demo, run from the jar as scripts/demo
 * runs it, prints its summary and no ERROR line or stack trace.
 */
class DemoLogTest {

    private static final Pattern ERROR = Pattern.compile("\\bERROR\\b");
    private static final Pattern STACK_TRACE = Pattern.compile("^\\s+at [\\w$.]+\\(|^Caused by: |^[\\w$.]+(Exception|Error)(: |$)");

    @TempDir
    Path dir;

    @Test
    @Timeout(300)
    void shouldPrintItsSummaryAndNoErrorOrStackTraceOnACleanRun() throws Exception {
        Path jar = RepoRoot.resolve("devstack/target/deja-dev.jar");
        assertThat(jar).as("built by the devstack module before these tests").isRegularFile();
        Path log = dir.resolve("demo.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder demo = new ProcessBuilder(java, "-Xmx1g", "-jar", jar.toString(), "demo", "--uploads", "60",
                "--distinct", "10", "--uploaders", "4", "--data-dir", dir.resolve("data").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        demo.environment().remove("DEJA_LOG_KAFKA_RETRIES");
        demo.environment().remove("DEJA_LOG_LEVEL");

        Process process = demo.start();
        boolean ended = process.waitFor(240, TimeUnit.SECONDS);
        if (!ended) {
            process.destroyForcibly();
        }

        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        String output = String.join("\n", lines);
        assertThat(ended).as("the demo ends; its output:\n" + output).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).contains("Deja demo summary", "output records           60");
        assertThat(lines).as("ERROR lines").noneMatch(line -> ERROR.matcher(line).find());
        assertThat(lines).as("stack trace lines").noneMatch(line -> STACK_TRACE.matcher(line).find());
    }
}
