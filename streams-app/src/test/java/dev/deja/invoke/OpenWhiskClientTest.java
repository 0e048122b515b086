package dev.deja.invoke;

import static dev.deja.invoke.OpenWhiskFixtures.AUTH_KEY;
import static dev.deja.invoke.OpenWhiskFixtures.KEY;
import static dev.deja.invoke.OpenWhiskFixtures.applicationError;
import static dev.deja.invoke.OpenWhiskFixtures.json;
import static dev.deja.invoke.OpenWhiskFixtures.settings;
import static dev.deja.invoke.OpenWhiskFixtures.status;
import static dev.deja.invoke.OpenWhiskFixtures.success;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deja.serde.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OpenWhiskClientTest {

    private static final String EXPECTED_AUTHORIZATION = "Basic "
            + Base64.getEncoder().encodeToString(AUTH_KEY.getBytes(StandardCharsets.UTF_8));

    @StartStop
    final MockWebServer server = new MockWebServer();

    private OpenWhiskClient client;

    @AfterEach
    void closeClient() {
        if (client != null) {
            client.close();
        }
    }

    @Test
    void shouldPostParamsAndParseActivationWhenOpenWhiskReturns200() throws Exception {
        // given
        client = new OpenWhiskClient(settings(server).build());
        ObjectNode result = Json.object().put("thumbnail", "s3://thumbs/cat.png").put("width", 128);
        server.enqueue(json(200, success("a1b2c3d4e5f60718293a4b5c6d7e8f90", result)));
        ObjectNode params = Json.object().put("bucket", "photos").put("key", "cats/cat 1.jpg");

        // when
        CallResult call = client.invoke("imaging/thumbnail", params, true).get(5, TimeUnit.SECONDS);

        // then
        RecordedRequest request = server.takeRequest(1, TimeUnit.SECONDS);
        assertThat(request.getMethod()).isEqualTo("POST");
        assertThat(request.getUrl().encodedPath()).isEqualTo("/api/v1/namespaces/guest/actions/imaging/thumbnail");
        assertThat(request.getUrl().queryParameter("blocking")).isEqualTo("true");
        assertThat(request.getHeaders().get("Authorization")).isEqualTo(EXPECTED_AUTHORIZATION);
        assertThat(request.getHeaders().get("Content-Type")).startsWith("application/json");
        assertThat(Json.parse(request.getBody().utf8())).isEqualTo(params);

        assertThat(call.kind()).isEqualTo(CallResult.Kind.SUCCESS);
        assertThat(call.calls()).isEqualTo(1);
        assertThat(call.httpStatus()).isEqualTo(200);
        Activation activation = call.activation();
        assertThat(activation.activationId()).isEqualTo("a1b2c3d4e5f60718293a4b5c6d7e8f90");
        assertThat(activation.status()).isEqualTo("success");
        assertThat(activation.success()).isTrue();
        assertThat(activation.result()).isEqualTo(result);
        assertThat(activation.duration()).isEqualTo(242L);
        assertThat(activation.start()).isEqualTo(1_700_000_000_100L);
        assertThat(activation.end()).isEqualTo(1_700_000_000_342L);
        assertThat(activation.waitTime()).isEqualTo(37L);
        assertThat(activation.initTime()).isEqualTo(154L);
        assertThat(activation.version()).isEqualTo("0.0.3");
    }

    @Test
    void shouldEncodePathSegmentsWhenActionNamesNeedIt() throws Exception {
        // given
        client = new OpenWhiskClient(settings(server).build());
        server.enqueue(json(200, success("a1", Json.object())));
        server.enqueue(json(200, success("a2", Json.object())));

        // when
        client.invoke("my pkg/na#me", Json.object(), true).get(5, TimeUnit.SECONDS);
        client.invoke("/whisk.system/utils/echo", Json.object(), true).get(5, TimeUnit.SECONDS);

        // then
        assertThat(server.takeRequest(1, TimeUnit.SECONDS).getUrl().encodedPath())
                .isEqualTo("/api/v1/namespaces/guest/actions/my%20pkg/na%23me");
        assertThat(server.takeRequest(1, TimeUnit.SECONDS).getUrl().encodedPath())
                .isEqualTo("/api/v1/namespaces/whisk.system/actions/utils/echo");
    }

    @Test
    void shouldAnswerAcceptedWithTheActivationIdWhenInvokedNonBlocking() throws Exception {
        // given
        client = new OpenWhiskClient(settings(server).build());
        String id = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
        server.enqueue(json(202, Json.object().put("activationId", id)));

        // when
        CallResult call = client.invoke("thumbnail", Json.object(), false).get(5, TimeUnit.SECONDS);

        // then
        assertThat(call.kind()).isEqualTo(CallResult.Kind.ACCEPTED);
        assertThat(call.activation().activationId()).isEqualTo(id);
        RecordedRequest post = server.takeRequest(1, TimeUnit.SECONDS);
        assertThat(post.getMethod()).isEqualTo("POST");
        assertThat(post.getUrl().queryParameter("blocking")).isEqualTo("false");
    }

    @Test
    void shouldReadTheActivationRecordOnceWhenAsked() throws Exception {
        // given
        client = new OpenWhiskClient(settings(server).build());
        String id = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
        server.enqueue(status(404, "The requested resource does not exist."));
        server.enqueue(json(200, success(id, Json.object().put("ok", true))));

        // when
        CallResult first = client.activation("thumbnail", id).get(5, TimeUnit.SECONDS);
        CallResult second = client.activation("thumbnail", id).get(5, TimeUnit.SECONDS);

        // then
        assertThat(first.kind()).isEqualTo(CallResult.Kind.PENDING);
        assertThat(second.kind()).isEqualTo(CallResult.Kind.SUCCESS);
        assertThat(second.activation().result()).isEqualTo(Json.object().put("ok", true));
        for (int i = 0; i < 2; i++) {
            RecordedRequest read = server.takeRequest(1, TimeUnit.SECONDS);
            assertThat(read.getMethod()).isEqualTo("GET");
            assertThat(read.getUrl().encodedPath()).isEqualTo("/api/v1/namespaces/guest/activations/" + id);
            assertThat(read.getHeaders().get("Authorization")).isEqualTo(EXPECTED_AUTHORIZATION);
        }
    }

    @Test
    void shouldAnswerAcceptedWhenTheBlockingWaitRunsOut() throws Exception {
        // given
        client = new OpenWhiskClient(settings(server).build());
        server.enqueue(json(202, Json.object().put("activationId", "slow1")));

        // when
        CallResult call = client.invoke("thumbnail", Json.object(), true).get(5, TimeUnit.SECONDS);

        // then
        assertThat(call.kind()).isEqualTo(CallResult.Kind.ACCEPTED);
        assertThat(call.activation().activationId()).isEqualTo("slow1");
        assertThat(server.getRequestCount()).as("no read by the client itself").isEqualTo(1);
    }

    @Test
    void shouldReportApplicationErrorWhenOpenWhiskReturns502() throws Exception {
        // given
        client = new OpenWhiskClient(settings(server).build());
        server.enqueue(json(502, applicationError("bad1", "not an image: cat.txt")));

        // when
        CallResult call = client.invoke("thumbnail", Json.object(), true).get(5, TimeUnit.SECONDS);

        // then
        assertThat(call.kind()).isEqualTo(CallResult.Kind.FAILURE);
        assertThat(call.failureKind()).isEqualTo("application error");
        assertThat(call.activation().activationId()).isEqualTo("bad1");
        assertThat(call.activation().error()).isEqualTo("not an image: cat.txt");
        assertThat(call.message()).contains("not an image: cat.txt");
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource({
        "500, UNCERTAIN, uncertain",
        "503, TRANSIENT, unavailable",
        "504, UNCERTAIN, uncertain",
        "429, TRANSIENT, unavailable",
        "413, FAILURE, payload too large",
        "401, FAILURE, rejected",
        "403, FAILURE, rejected",
        "404, FAILURE, rejected",
    })
    void shouldClassifyStatusWhenOpenWhiskAnswersWithError(int code, CallResult.Kind kind, String failureKind)
            throws Exception {
        // given
        client = new OpenWhiskClient(settings(server).build());
        server.enqueue(status(code, "error for " + code));

        // when
        CallResult call = client.invoke("thumbnail", Json.object(), true).get(5, TimeUnit.SECONDS);

        // then
        assertThat(call.kind()).isEqualTo(kind);
        assertThat(call.failureKind()).isEqualTo(failureKind);
        assertThat(call.httpStatus()).isEqualTo(code);
        assertThat(call.message()).contains("thumbnail").contains("error for " + code)
                .doesNotContain(KEY).doesNotContain(EXPECTED_AUTHORIZATION.substring(6));
        assertThat(call.toString()).doesNotContain(KEY);
    }

    @Test
    void shouldNameTheProblemWithoutTheKeyWhenCredentialsAreRejected() throws Exception {
        // given
        client = new OpenWhiskClient(settings(server).build());
        // A server that echoes the credentials back must not leak them either.
        server.enqueue(status(401, "bad key " + AUTH_KEY + " / " + EXPECTED_AUTHORIZATION));

        // when
        CallResult call = client.invoke("thumbnail", Json.object(), true).get(5, TimeUnit.SECONDS);

        // then
        assertThat(call.message()).contains("401").contains("API key")
                .doesNotContain(KEY).doesNotContain(EXPECTED_AUTHORIZATION.substring(6));
    }

    @Test
    void shouldTreatBareBadGatewayAsUncertainWhenNoActivationRecordCameBack() throws Exception {
        // given
        client = new OpenWhiskClient(settings(server).build());
        server.enqueue(new MockResponse.Builder().code(502).body("<html>502 Bad Gateway</html>").build());

        // when
        CallResult call = client.invoke("thumbnail", Json.object(), true).get(5, TimeUnit.SECONDS);

        // then
        assertThat(call.kind()).isEqualTo(CallResult.Kind.UNCERTAIN);
        assertThat(call.failureKind()).isEqualTo("uncertain");
    }

    @Test
    void shouldReportTransientWhenOpenWhiskIsUnreachable() throws Exception {
        // given
        OpenWhiskSettings settings = settings(server).build();
        server.close();
        client = new OpenWhiskClient(settings);

        // when
        CallResult call = client.invoke("thumbnail", Json.object(), true).get(5, TimeUnit.SECONDS);

        // then
        assertThat(call.kind()).isEqualTo(CallResult.Kind.TRANSIENT);
        assertThat(call.failureKind()).isEqualTo("unavailable");
        assertThat(call.httpStatus()).isZero();
        assertThat(call.message()).doesNotContain(KEY);
    }

    @Test
    void shouldReportUncertainTimeoutWhenOpenWhiskDoesNotAnswerAfterTheRequestWasSent() throws Exception {
        // given
        client = new OpenWhiskClient(settings(server).callTimeout(Duration.ofMillis(200)).build());
        server.enqueue(new MockResponse.Builder().code(200).headersDelay(1, TimeUnit.SECONDS)
                .body(Json.write(success("late", Json.object()))).build());

        // when
        CallResult call = client.invoke("thumbnail", Json.object(), true).get(5, TimeUnit.SECONDS);

        // then
        assertThat(call.kind()).as("the action may be running: never a blind second POST").isEqualTo(CallResult.Kind.UNCERTAIN);
        assertThat(call.failureKind()).isEqualTo("uncertain");
        assertThat(call.message()).contains("timeout").contains("after the request was sent");
    }

    @Test
    void shouldReturnVersionWhenActionExists() throws Exception {
        // given
        client = new OpenWhiskClient(settings(server).build());
        server.enqueue(json(200, Json.object().put("namespace", "guest/imaging").put("name", "thumbnail")
                .put("version", "0.0.7").put("publish", false)));

        // when
        String version = client.actionVersion("imaging/thumbnail").get(5, TimeUnit.SECONDS);

        // then
        assertThat(version).isEqualTo("0.0.7");
        RecordedRequest request = server.takeRequest(1, TimeUnit.SECONDS);
        assertThat(request.getMethod()).isEqualTo("GET");
        assertThat(request.getUrl().encodedPath()).isEqualTo("/api/v1/namespaces/guest/actions/imaging/thumbnail");
        assertThat(request.getHeaders().get("Authorization")).isEqualTo(EXPECTED_AUTHORIZATION);
    }

    @Test
    void shouldReadTheVersionOnANewConnectionWhenThePooledOneWasClosedByTheServer() throws Exception {
        // given: a version read leaves its connection in the pool, which the server then drops (an
        // idle timeout) as the next request arrives on it
        client = new OpenWhiskClient(settings(server).build());
        server.enqueue(json(200, Json.object().put("name", "thumbnail").put("version", "0.0.7")));
        assertThat(client.actionVersion("thumbnail").get(5, TimeUnit.SECONDS)).isEqualTo("0.0.7");
        server.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.ShutdownConnection.INSTANCE).build());
        server.enqueue(json(200, Json.object().put("name", "thumbnail").put("version", "0.0.8")));

        // when
        String version = client.actionVersion("thumbnail").get(5, TimeUnit.SECONDS);

        // then: the GET, which is safe to send again, went again on a new connection
        assertThat(version).isEqualTo("0.0.8");
        assertThat(server.getRequestCount()).isEqualTo(3);
    }

    @Test
    void shouldNotSendAnInvocationTwiceWhenThePooledConnectionWasClosedByTheServer() throws Exception {
        // given
        client = new OpenWhiskClient(settings(server).build());
        server.enqueue(json(200, Json.object().put("name", "thumbnail").put("version", "0.0.7")));
        client.actionVersion("thumbnail").get(5, TimeUnit.SECONDS);
        server.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.ShutdownConnection.INSTANCE).build());
        server.enqueue(json(200, success("a1b2c3d4e5f60718293a4b5c6d7e8f90", Json.object().put("ok", true))));

        // when
        CallResult call = client.invoke("thumbnail", Json.object(), true).get(5, TimeUnit.SECONDS);

        // then: an invocation is not repeated by the HTTP client; the invoker decides (retries, backoff)
        assertThat(call.kind()).isNotEqualTo(CallResult.Kind.SUCCESS);
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    void shouldFailVersionLookupWithClearMessageWhenActionIsMissing() {
        // given
        client = new OpenWhiskClient(settings(server).build());
        server.enqueue(status(404, "The requested resource does not exist."));

        // when / then
        assertThatThrownBy(() -> client.actionVersion("thumbnail").get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(OpenWhiskException.class)
                .hasMessageContaining("'thumbnail' not found (404)")
                .hasMessageNotContaining(KEY)
                .satisfies(e -> assertThat(((OpenWhiskException) e).httpStatus()).isEqualTo(404));
    }

    @Test
    void shouldHideKeyWhenSettingsArePrintedOrInvalid() {
        // given
        OpenWhiskSettings settings = settings(server).build();

        // when
        String text = settings.toString();

        // then
        assertThat(text).contains("authKey=****").contains("guest").doesNotContain(KEY);
        assertThatThrownBy(() -> OpenWhiskSettings.builder("http://localhost:3233", KEY).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining(KEY);
    }
}
