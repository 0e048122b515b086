package dev.deja.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.deja.testing.Await;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.Credentials;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ActionHostTest {

    private static final MediaType JSON = MediaType.get("application/json");

    private final OkHttpClient http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(10)).build();
    private final CountDownLatch release = new CountDownLatch(1);
    private ActionHost host;

    @AfterEach
    void stopHost() {
        release.countDown();
        if (host != null) {
            host.close();
        }
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    private ActionHost startHost(int maxConcurrent, Duration blockingWait) {
        host = ActionHost.start(new ActionHost.Options("guest", maxConcurrent, blockingWait));
        host.register("echo", "0.0.3", params -> {
            JsonObject result = new JsonObject();
            result.add("echo", params);
            return result;
        });
        host.register("fails", "0.0.1", params -> {
            JsonObject result = new JsonObject();
            result.addProperty("error", "not an image");
            return result;
        });
        host.register("throws", "0.0.1", params -> {
            throw new IllegalStateException("boom");
        });
        host.register("slow", "0.0.1", params -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new JsonObject();
        });
        return host;
    }

    @Test
    void shouldReturnFullActivationRecordWhenActionSucceeds() throws IOException {
        // given
        startHost(10, Duration.ofSeconds(10));
        // when
        Reply reply = post("/api/v1/namespaces/_/actions/echo?blocking=true", "{\"bucket\":\"photos\"}", host.apiKey());
        Reply resultOnly = post("/api/v1/namespaces/_/actions/echo?blocking=true&result=true", "{\"n\":1}",
                host.apiKey());
        // then
        assertThat(reply.code()).isEqualTo(200);
        JsonObject record = reply.json();
        assertThat(record.get("activationId").getAsString()).matches("[0-9a-f]{32}");
        assertThat(record.get("namespace").getAsString()).isEqualTo("guest");
        assertThat(record.get("name").getAsString()).isEqualTo("echo");
        assertThat(record.get("version").getAsString()).isEqualTo("0.0.3");
        assertThat(record.get("subject").getAsString()).isEqualTo("guest");
        assertThat(record.get("end").getAsLong()).isGreaterThanOrEqualTo(record.get("start").getAsLong());
        assertThat(record.get("duration").getAsLong())
                .isEqualTo(record.get("end").getAsLong() - record.get("start").getAsLong());
        JsonObject response = record.getAsJsonObject("response");
        assertThat(response.get("status").getAsString()).isEqualTo("success");
        assertThat(response.get("statusCode").getAsInt()).isZero();
        assertThat(response.get("success").getAsBoolean()).isTrue();
        assertThat(response.getAsJsonObject("result").getAsJsonObject("echo").get("bucket").getAsString())
                .isEqualTo("photos");
        assertThat(record.getAsJsonArray("annotations").asList())
                .extracting(a -> a.getAsJsonObject().get("key").getAsString())
                .contains("path", "waitTime", "initTime", "kind", "limits");
        assertThat(record.getAsJsonArray("logs")).isEmpty();
        assertThat(resultOnly.code()).isEqualTo(200);
        assertThat(resultOnly.json().getAsJsonObject("echo").get("n").getAsInt()).isEqualTo(1);
        assertThat(host.invocations("echo")).isEqualTo(2);
    }

    @Test
    void shouldAnswer202AndServeRecordLaterWhenActionOutlastsBlockingWait() throws Exception {
        // given
        startHost(10, Duration.ofMillis(100));
        // when
        Reply accepted = post("/api/v1/namespaces/guest/actions/slow?blocking=true", "{}", host.apiKey());
        String id = accepted.json().get("activationId").getAsString();
        Reply whileRunning = get("/api/v1/namespaces/guest/activations/" + id, host.apiKey());
        release.countDown();
        AtomicReference<Reply> done = new AtomicReference<>();
        Await.until(Duration.ofSeconds(10), () -> {
            done.set(get("/api/v1/namespaces/guest/activations/" + id, host.apiKey()));
            return done.get().code() != 404;
        }, "the activation record of " + id);
        // then
        assertThat(accepted.code()).isEqualTo(202);
        assertThat(whileRunning.code()).isEqualTo(404);
        assertThat(done.get().code()).isEqualTo(200);
        assertThat(done.get().json().get("activationId").getAsString()).isEqualTo(id);
        assertThat(done.get().json().getAsJsonObject("response").get("status").getAsString()).isEqualTo("success");
    }

    @ParameterizedTest
    @CsvSource({"fails, application error, 1, not an image", "throws, action developer error, 2, boom"})
    void shouldAnswer502WhenActionFails(String action, String status, int statusCode, String message)
            throws IOException {
        // given
        startHost(10, Duration.ofSeconds(10));
        // when
        Reply reply = post("/api/v1/namespaces/_/actions/" + action + "?blocking=true", "{}", host.apiKey());
        // then
        assertThat(reply.code()).isEqualTo(502);
        JsonObject response = reply.json().getAsJsonObject("response");
        assertThat(response.get("status").getAsString()).isEqualTo(status);
        assertThat(response.get("statusCode").getAsInt()).isEqualTo(statusCode);
        assertThat(response.get("success").getAsBoolean()).isFalse();
        assertThat(response.getAsJsonObject("result").get("error").getAsString()).contains(message);
    }

    @Test
    void shouldAnswer429WhenMoreActivationsRunThanAllowed() throws IOException {
        // given
        startHost(1, Duration.ofMillis(50));
        Reply first = post("/api/v1/namespaces/_/actions/slow?blocking=true", "{}", host.apiKey());
        // when
        Reply second = post("/api/v1/namespaces/_/actions/echo?blocking=true", "{}", host.apiKey());
        // then
        assertThat(first.code()).isEqualTo(202);
        assertThat(second.code()).isEqualTo(429);
        assertThat(second.json().get("error").getAsString()).contains("Too many concurrent requests");
        assertThat(host.invocations("echo")).isZero();
        assertThat(host.maxConcurrencySeen()).isEqualTo(1);
    }

    @Test
    void shouldAnswer401WhenApiKeyIsWrong() throws IOException {
        // given
        startHost(10, Duration.ofSeconds(10));
        String wrongKey = host.apiKey().substring(0, host.apiKey().indexOf(':')) + ":wrong";
        // when
        Reply wrong = post("/api/v1/namespaces/_/actions/echo?blocking=true", "{}", wrongKey);
        Reply missing = send(new Request.Builder().url(host.url() + "/api/v1/namespaces/_/actions/echo").get());
        // then
        assertThat(wrong.code()).isEqualTo(401);
        assertThat(missing.code()).isEqualTo(401);
        assertThat(host.invocations("echo")).isZero();
    }

    @Test
    void shouldDescribeActionVersionWhenActionIsFetched() throws IOException {
        // given
        startHost(10, Duration.ofSeconds(10));
        // when
        Reply known = get("/api/v1/namespaces/_/actions/echo", host.apiKey());
        Reply unknown = get("/api/v1/namespaces/_/actions/nope", host.apiKey());
        Reply unknownInvoke = post("/api/v1/namespaces/_/actions/nope?blocking=true", "{}", host.apiKey());
        // then
        assertThat(known.code()).isEqualTo(200);
        assertThat(known.json().get("name").getAsString()).isEqualTo("echo");
        assertThat(known.json().get("namespace").getAsString()).isEqualTo("guest");
        assertThat(known.json().get("version").getAsString()).isEqualTo("0.0.3");
        assertThat(known.json().getAsJsonObject("exec").get("kind").getAsString()).isEqualTo("java");
        assertThat(unknown.code()).isEqualTo(404);
        assertThat(unknownInvoke.code()).isEqualTo(404);
    }

    private record Reply(int code, String body) {
        JsonObject json() {
            return JsonParser.parseString(body).getAsJsonObject();
        }
    }

    private Reply post(String path, String json, String apiKey) throws IOException {
        return send(new Request.Builder().url(host.url() + path).post(RequestBody.create(json, JSON))
                .header("Authorization", basic(apiKey)));
    }

    private Reply get(String path, String apiKey) throws IOException {
        return send(new Request.Builder().url(host.url() + path).get().header("Authorization", basic(apiKey)));
    }

    private Reply send(Request.Builder request) throws IOException {
        try (Response response = http.newCall(request.build()).execute()) {
            return new Reply(response.code(), response.body().string());
        }
    }

    private static String basic(String apiKey) {
        int colon = apiKey.indexOf(':');
        return Credentials.basic(apiKey.substring(0, colon), apiKey.substring(colon + 1));
    }
}
