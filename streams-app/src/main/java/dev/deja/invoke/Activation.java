package dev.deja.invoke;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The parts of an OpenWhisk activation record Deja uses.
 *
 * @param activationId OpenWhisk's id of the run
 * @param namespace    namespace the activation ran in
 * @param name         action name
 * @param version      action version that ran
 * @param status       {@code response.status}: {@code success}, {@code application error},
 *                     {@code action developer error} or {@code whisk internal error}
 * @param success      {@code response.success}
 * @param result       {@code response.result} (holds {@code error} on failure); may be null
 * @param start        start, epoch millis; null when absent
 * @param end          end, epoch millis; null when absent
 * @param duration     run time in millis; null when absent
 * @param waitTime     {@code waitTime} annotation (queueing), millis; null when absent
 * @param initTime     {@code initTime} annotation (cold start only), millis; null when absent
 */
public record Activation(
        String activationId,
        String namespace,
        String name,
        String version,
        String status,
        boolean success,
        JsonNode result,
        Long start,
        Long end,
        Long duration,
        Long waitTime,
        Long initTime) {

    public static final String STATUS_SUCCESS = "success";
    public static final String STATUS_APPLICATION_ERROR = "application error";
    public static final String STATUS_DEVELOPER_ERROR = "action developer error";
    public static final String STATUS_WHISK_ERROR = "whisk internal error";

    /** An activation known only by its id (OpenWhisk accepted it; its record is still to be read). */
    static Activation idOnly(String activationId) {
        return new Activation(activationId, null, null, null, null, false, null, null, null, null, null, null);
    }

    /** True when {@code node} looks like an activation record (has a {@code response} object). */
    public static boolean isRecord(JsonNode node) {
        return node != null && node.path("response").isObject();
    }

    /** Reads an activation record; absent fields become null. */
    public static Activation parse(JsonNode node) {
        JsonNode response = node.path("response");
        String status = text(response, "status");
        boolean success = response.path("success").isBoolean()
                ? response.path("success").asBoolean()
                : STATUS_SUCCESS.equals(status);
        if (status == null) {
            status = success ? STATUS_SUCCESS : STATUS_APPLICATION_ERROR;
        }
        Long waitTime = null;
        Long initTime = null;
        for (JsonNode annotation : node.path("annotations")) {
            String key = annotation.path("key").asText();
            if ("waitTime".equals(key)) {
                waitTime = number(annotation, "value");
            } else if ("initTime".equals(key)) {
                initTime = number(annotation, "value");
            }
        }
        return new Activation(
                text(node, "activationId"),
                text(node, "namespace"),
                text(node, "name"),
                text(node, "version"),
                status,
                success,
                response.get("result"),
                number(node, "start"),
                number(node, "end"),
                number(node, "duration"),
                waitTime,
                initTime);
    }

    /** The error message of a failed activation ({@code result.error}), or null. */
    public String error() {
        if (result == null || !result.has("error")) {
            return null;
        }
        JsonNode error = result.get("error");
        return error.isTextual() ? error.asText() : error.toString();
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static Long number(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.canConvertToLong() ? value.asLong() : null;
    }
}
