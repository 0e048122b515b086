package dev.deja.invoke;

import static dev.deja.invoke.OpenWhiskFixtures.KEY;
import static dev.deja.invoke.OpenWhiskFixtures.json;
import static dev.deja.invoke.OpenWhiskFixtures.settings;
import static dev.deja.invoke.OpenWhiskFixtures.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.deja.serde.Json;
import dev.deja.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ActionVersionsTest {

    private static final String PREFIX = "/api/v1/namespaces/guest/actions/";

    @StartStop
    final MockWebServer server = new MockWebServer();

    /** Action path -> version to serve, or an HTTP status (as a number) to fail with. */
    private final Map<String, Object> served = new ConcurrentHashMap<>();
    private OpenWhiskClient client;
    private ActionVersions versions;

    @BeforeEach
    void serveVersions() {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                String path = request.getUrl().encodedPath();
                Object answer = path.startsWith(PREFIX) ? served.get(path.substring(PREFIX.length())) : null;
                if (answer instanceof String version) {
                    return json(200, Json.object().put("namespace", "guest").put("version", version)
                            .put("publish", false));
                }
                int code = answer instanceof Integer status ? status : 404;
                return status(code, "The requested resource does not exist.");
            }
        });
        client = new OpenWhiskClient(settings(server).build());
    }

    @AfterEach
    void close() {
        if (versions != null) {
            versions.close();
        }
        client.close();
    }

    @Test
    void shouldServeFetchedVersionsWhenInitialFetchSucceeds() {
        // given
        served.put("thumbnail", "0.0.3");
        served.put("imaging/ocr", "1.2.0");
        versions = new ActionVersions(client, List.of("thumbnail", "imaging/ocr"));

        // when
        versions.awaitInitial(Duration.ofSeconds(5));

        // then
        assertThat(versions.versionOf("thumbnail")).isEqualTo("0.0.3");
        assertThat(versions.versionOf("imaging/ocr")).isEqualTo("1.2.0");
        assertThat(versions.versionOf("unknown")).isNull();
        assertThat(versions.snapshot()).containsOnlyKeys("thumbnail", "imaging/ocr");
    }

    @Test
    void shouldNameTheActionWhenItsInitialVersionCannotBeFetched() {
        // given
        served.put("thumbnail", "0.0.3");
        versions = new ActionVersions(client, List.of("thumbnail", "missing-action"));

        // when / then
        assertThatThrownBy(() -> versions.awaitInitial(Duration.ofSeconds(5)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'missing-action'")
                .hasMessageContaining("404")
                .hasMessageNotContaining("'thumbnail'")
                .hasMessageNotContaining(KEY);
        assertThat(versions.versionOf("thumbnail")).isEqualTo("0.0.3");
    }

    @Test
    void shouldKeepOldVersionWhenRefreshFails() throws Exception {
        // given
        served.put("thumbnail", "0.0.3");
        versions = new ActionVersions(client, List.of("thumbnail"));
        versions.awaitInitial(Duration.ofSeconds(5));
        served.put("thumbnail", 503);

        // when
        Throwable failure = catchRefreshFailure();

        // then
        assertThat(failure).hasMessageContaining("'thumbnail'");
        assertThat(versions.versionOf("thumbnail")).isEqualTo("0.0.3");

        // when: OpenWhisk is back with an updated action
        served.put("thumbnail", "0.0.4");
        versions.refreshAll().get(5, TimeUnit.SECONDS);

        // then
        assertThat(versions.versionOf("thumbnail")).isEqualTo("0.0.4");
    }

    @Test
    void shouldPickUpNewVersionWhenScheduledRefreshRuns() throws Exception {
        // given
        served.put("thumbnail", "0.0.3");
        versions = new ActionVersions(client, List.of("thumbnail"));
        versions.awaitInitial(Duration.ofSeconds(5));
        served.put("thumbnail", 500);

        Logger logger = (Logger) LoggerFactory.getLogger(ActionVersions.class);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        logger.addAppender(logs);

        try {
            // when
            versions.start(Duration.ofMillis(20));
            int requestsBefore = server.getRequestCount();

            // then: failing refreshes keep the old version and warn once for the whole streak
            Await.until(Duration.ofSeconds(3), () -> server.getRequestCount() >= requestsBefore + 3,
                    "three failing refreshes");
            assertThat(versions.versionOf("thumbnail")).isEqualTo("0.0.3");
            served.put("thumbnail", "0.0.5");
            Await.until(Duration.ofSeconds(3), () -> "0.0.5".equals(versions.versionOf("thumbnail")),
                    "the new version read");
            assertThat(logs.list.stream().filter(e -> e.getLevel() == Level.WARN))
                    .singleElement()
                    .satisfies(e -> assertThat(e.getFormattedMessage())
                            .contains("thumbnail").contains("keeping 0.0.3").doesNotContain(KEY));
        } finally {
            logger.detachAppender(logs);
        }
    }

    private Throwable catchRefreshFailure() throws Exception {
        try {
            versions.refreshAll().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("refresh should have failed");
    }
}
