package dev.deja.event;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deja.serde.Json;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses the value MinIO's Kafka notification target writes:
 * {@code {"EventName": "...", "Key": "bucket/object", "Records": [ {...}, ... ]}}, one
 * {@link S3Object} per element of {@code Records}. Object keys arrive URL query-escaped
 * ({@code %2F}, {@code +} for a space) and are decoded here.
 */
public final class MinioEvents {

    /** S3's own limit on an object key, in UTF-8 bytes. */
    public static final int MAX_KEY_BYTES = 1024;

    private MinioEvents() {
    }

    /** One parsed record or the reason it was rejected. */
    public record Parsed(List<S3Object> objects, List<String> rejected) {
    }

    /**
     * Parses a whole event. Throws when the value as a whole is unusable (not UTF-8 JSON, no
     * {@code Records} array, no record at all); a bad element is listed in {@link Parsed#rejected()}
     * while its good siblings are still returned.
     */
    public static Parsed parse(byte[] value) throws MalformedEventException {
        if (value == null || value.length == 0) {
            throw new MalformedEventException("empty value");
        }
        JsonNode root = readJson(value);
        JsonNode records = root.get("Records");
        if (records == null || !records.isArray()) {
            throw new MalformedEventException("no Records array");
        }
        if (records.isEmpty()) {
            throw new MalformedEventException("Records is empty");
        }
        List<S3Object> objects = new ArrayList<>();
        List<String> rejected = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            try {
                objects.add(record(records.get(i)));
            } catch (MalformedEventException e) {
                rejected.add("Records[" + i + "]: " + e.getMessage());
            }
        }
        return new Parsed(objects, rejected);
    }

    private static JsonNode readJson(byte[] value) throws MalformedEventException {
        // MinIO's events are ASCII (object keys arrive URL-escaped), which is UTF-8 as it is: Jackson
        // reads those bytes directly. Anything else is decoded strictly first, so bad UTF-8 is named.
        String text = isAscii(value) ? null : strictUtf8(value);
        JsonNode root;
        try {
            root = text == null ? Json.MAPPER.readTree(value) : Json.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new MalformedEventException("value is not JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new MalformedEventException("value is not a JSON object");
        }
        return root;
    }

    private static boolean isAscii(byte[] value) {
        for (byte b : value) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    private static String strictUtf8(byte[] value) throws MalformedEventException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(value))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new MalformedEventException("value is not UTF-8 text");
        }
    }

    private static S3Object record(JsonNode r) throws MalformedEventException {
        if (r == null || !r.isObject()) {
            throw new MalformedEventException("not an object");
        }
        String eventName = text(r, "eventName", true);
        JsonNode s3 = r.get("s3");
        if (s3 == null || !s3.isObject()) {
            throw new MalformedEventException("missing s3");
        }
        JsonNode bucket = s3.get("bucket");
        JsonNode object = s3.get("object");
        if (bucket == null || !bucket.isObject()) {
            throw new MalformedEventException("missing s3.bucket");
        }
        if (object == null || !object.isObject()) {
            throw new MalformedEventException("missing s3.object");
        }
        String bucketName = text(bucket, "name", true);
        String key = decodeKey(text(object, "key", true));
        JsonNode sizeNode = object.get("size");
        Long size = null;
        if (sizeNode != null && !sizeNode.isNull()) {
            if (!sizeNode.canConvertToLong() || sizeNode.asLong() < 0) {
                throw new MalformedEventException("s3.object.size is not a non-negative number");
            }
            size = sizeNode.asLong();
        }
        String eTag = text(object, "eTag", false);
        if (eTag != null) {
            eTag = eTag.replace("\"", "");
            if (eTag.isEmpty()) {
                eTag = null;
            }
        }
        JsonNode metadata = object.get("userMetadata");
        return new S3Object(bucketName, key, eventName, text(r, "eventTime", false),
                text(object, "sequencer", false), eTag, size, text(object, "versionId", false),
                text(object, "contentType", false), isEncrypted(metadata));
    }

    private static String decodeKey(String raw) throws MalformedEventException {
        String key;
        try {
            key = URLDecoder.decode(raw, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new MalformedEventException("s3.object.key is not URL-encoded: " + e.getMessage());
        }
        if (key.isEmpty()) {
            throw new MalformedEventException("s3.object.key is empty");
        }
        if (key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw new MalformedEventException("s3.object.key is longer than " + MAX_KEY_BYTES + " bytes");
        }
        return key;
    }

    /** SSE-C and SSE-KMS objects have an ETag that is not their content MD5. */
    private static boolean isEncrypted(JsonNode metadata) {
        if (metadata == null || !metadata.isObject()) {
            return false;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = metadata.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey().toLowerCase(Locale.ROOT);
            String value = field.getValue().asText("").toLowerCase(Locale.ROOT);
            if (name.startsWith("x-amz-server-side-encryption-customer")
                    || name.startsWith("x-minio-internal-server-side-encryption-sealed-key-ssec")
                    || (name.equals("x-amz-server-side-encryption") && value.contains("kms"))) {
                return true;
            }
        }
        return false;
    }

    private static String text(JsonNode node, String field, boolean required) throws MalformedEventException {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw new MalformedEventException("missing " + field);
            }
            return null;
        }
        if (!value.isTextual()) {
            throw new MalformedEventException(field + " is not a string");
        }
        if (required && value.asText().isEmpty()) {
            throw new MalformedEventException(field + " is empty");
        }
        return value.asText();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
