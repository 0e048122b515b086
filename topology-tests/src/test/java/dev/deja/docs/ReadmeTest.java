package dev.deja.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deja.config.DejaConfig;
import dev.deja.testing.RepoRoot;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class ReadmeTest {

    @Test
    void shouldCarryTheGeneratedConfigTableWhenTheConfigDefChanges() throws Exception {
        String doc = Files.readString(RepoRoot.resolve("docs/configuration.md"));
        String table = doc.substring(doc.indexOf("<!-- config-table:start -->\n") + "<!-- config-table:start -->\n".length(),
                doc.indexOf("<!-- config-table:end -->"));

        assertThat(table).as("docs/configuration.md table; regenerate with 'deja config-table'").isEqualTo(DejaConfig.markdownTable());
    }
}
