package dev.deja.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deja.config.DejaConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ReadmeTest {

    @Test
    void shouldCarryTheGeneratedConfigTableWhenTheConfigDefChanges() throws Exception {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.exists(dir.resolve("docs/configuration.md")) || !Files.exists(dir.resolve("streams-app"))) {
            dir = dir.getParent();
        }
        String doc = Files.readString(dir.resolve("docs/configuration.md"));
        String table = doc.substring(doc.indexOf("<!-- config-table:start -->\n") + "<!-- config-table:start -->\n".length(),
                doc.indexOf("<!-- config-table:end -->"));

        assertThat(table).as("docs/configuration.md table; regenerate with 'deja config-table'").isEqualTo(DejaConfig.markdownTable());
    }
}
