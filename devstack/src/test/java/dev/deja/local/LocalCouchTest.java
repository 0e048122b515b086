package dev.deja.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class LocalCouchTest {

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void shouldAnswerCouchDbApiWhenNodeIsInstalled() throws Exception {
        // given
        assumeTrue(LocalCouch.onPath("node") && LocalCouch.onPath("npm"), "node/npm not installed");
        HttpClient http = HttpClient.newHttpClient();
        // when
        Optional<LocalCouch> started = LocalCouch.start();
        // then
        assertThat(started).isPresent();
        try (LocalCouch couch = started.get()) {
            HttpResponse<String> welcome = http.send(HttpRequest.newBuilder(URI.create(couch.url() + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(couch.url() + "/deja"))
                    .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> doc = http.send(HttpRequest.newBuilder(URI.create(couch.url() + "/deja/k1"))
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"status\":\"DONE\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> conflict = http.send(HttpRequest.newBuilder(URI.create(couch.url() + "/deja/k1"))
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"status\":\"FAILED\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(welcome.statusCode()).isEqualTo(200);
            assertThat(welcome.body()).contains("Welcome");
            assertThat(created.statusCode()).isEqualTo(201);
            assertThat(doc.statusCode()).isEqualTo(201);
            assertThat(conflict.statusCode()).isEqualTo(409);
        }
    }

    @Test
    void shouldFindScriptWhenStartingBelowRepositoryRoot() {
        // given
        Path moduleDir = Path.of("").toAbsolutePath();
        // when
        Optional<Path> script = LocalCouch.findScript(moduleDir.resolve("src/test/java"));
        // then
        assertThat(script).hasValueSatisfying(p -> assertThat(p).endsWith(Path.of("scripts", "pouchdb-server")));
    }
}
