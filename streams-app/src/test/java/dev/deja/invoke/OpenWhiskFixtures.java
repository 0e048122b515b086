package dev.deja.invoke;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deja.serde.Json;
import java.time.Duration;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;

/** Response bodies shaped like real OpenWhisk activation records, and test settings. */
final class OpenWhiskFixtures {

    static final String UUID = "23bc46b1-71f6-4ed5-8c54-816aa4f8c502";
    static final String KEY = "123zO3xZCLrMN6v2BKK1dXYFpXlPkccOFqm12CdAsMgRU4VrNZ9lyGVCGuMDGIwP";
    static final String AUTH_KEY = UUID + ":" + KEY;
    static final String NAMESPACE = "guest";

    private OpenWhiskFixtures() {
    }

    /** Settings with tiny backoffs so retry tests stay fast. */
    static OpenWhiskSettings.Builder settings(MockWebServer server) {
        return OpenWhiskSettings.builder(server.url("/").toString().replaceAll("/$", ""), AUTH_KEY)
                .namespace(NAMESPACE)
                .connectTimeout(Duration.ofSeconds(2))
                .callTimeout(Duration.ofSeconds(5))
                .maxRetries(3)
                .initialBackoff(Duration.ofMillis(5))
                .maxBackoff(Duration.ofMillis(20))
                .pollDeadline(Duration.ofSeconds(3))
                .breakerFailureThreshold(50)
                .breakerOpenDuration(Duration.ofSeconds(30))
                .breakerProbes(1);
    }

    /** An activation record as {@code POST ...?blocking=true} or {@code GET .../activations/{id}} returns it. */
    static ObjectNode activation(String activationId, String status, JsonNode result) {
        boolean success = Activation.STATUS_SUCCESS.equals(status);
        ObjectNode record = Json.object();
        record.put("activationId", activationId);
        record.put("namespace", NAMESPACE);
        record.put("name", "thumbnail");
        record.put("version", "0.0.3");
        record.put("subject", NAMESPACE);
        record.put("start", 1_700_000_000_100L);
        record.put("end", 1_700_000_000_342L);
        record.put("duration", 242);
        ObjectNode response = record.putObject("response");
        response.put("status", status);
        response.put("statusCode", success ? 0 : Activation.STATUS_APPLICATION_ERROR.equals(status) ? 1 : 2);
        response.put("success", success);
        response.set("result", result);
        ArrayNode annotations = record.putArray("annotations");
        annotations.addObject().put("key", "path").put("value", NAMESPACE + "/imaging/thumbnail");
        annotations.addObject().put("key", "waitTime").put("value", 37);
        annotations.addObject().put("key", "kind").put("value", "nodejs:20");
        ObjectNode limits = annotations.addObject().put("key", "limits").putObject("value");
        limits.put("concurrency", 1).put("logs", 10).put("memory", 256).put("timeout", 60000);
        annotations.addObject().put("key", "initTime").put("value", 154);
        record.putArray("logs").add("2026-11-23T14:00:00.1Z stdout: resized");
        record.put("publish", false);
        return record;
    }

    static ObjectNode success(String activationId, JsonNode result) {
        return activation(activationId, Activation.STATUS_SUCCESS, result);
    }

    static ObjectNode applicationError(String activationId, String error) {
        ObjectNode result = Json.object();
        result.put("error", error);
        return activation(activationId, Activation.STATUS_APPLICATION_ERROR, result);
    }

    static MockResponse json(int code, Object body) {
        return new MockResponse.Builder()
                .code(code)
                .setHeader("Content-Type", "application/json")
                .body(Json.write(body))
                .build();
    }

    static MockResponse status(int code, String error) {
        ObjectNode body = Json.object();
        body.put("error", error);
        body.put("code", "b4b7a5a1c1d2e3f4");
        return json(code, body);
    }

    /** Polls a condition until it holds or the timeout passes. */
}
