package dev.deja.event;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
        Parsed bound = isAscii(value) ? bind(value) : null;
        return bound != null ? bound : parseTree(value);
    }

    /** Reads the whole value as a JSON tree: every event can be read this way, and every reason for a rejection is found. */
    static Parsed parseTree(byte[] value) throws MalformedEventException {
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

    /**
     * The common case, cheaper: binds only the fields Deja reads, straight from the bytes, and skips
     * the rest of the event without building it (most of a MinIO event is request and response
     * metadata). The same checks as {@link #parseTree} run on what was bound. Null when anything is
     * out of the ordinary, so that {@link #parseTree} reads the event and names the reason.
     */
    static Parsed bind(byte[] value) {
        Bound.Event event;
        try {
            event = Json.MAPPER.readValue(value, Bound.Event.class);
        } catch (Exception e) {
            return null;
        }
        if (event == null || event.records() == null || event.records().isEmpty()) {
            return null;
        }
        List<S3Object> objects = new ArrayList<>(event.records().size());
        for (Bound.Record r : event.records()) {
            if (r == null || r.s3() == null || r.s3().bucket() == null || r.s3().object() == null) {
                return null;
            }
            try {
                objects.add(record(r.toTree()));
            } catch (MalformedEventException e) {
                return null;
            }
        }
        return new Parsed(objects, List.of());
    }

    /** The parts of a MinIO event that {@link #bind} reads; the values stay JSON, for the same checks. */
    static final class Bound {

        private Bound() {
        }

        @JsonIgnoreProperties(ignoreUnknown = true)
        record Event(@JsonProperty("Records") List<Record> records) {
        }

        @JsonIgnoreProperties(ignoreUnknown = true)
        record Record(JsonNode eventName, JsonNode eventTime, S3 s3) {

            /** The record as {@link #record(JsonNode)} reads it. */
            ObjectNode toTree() {
                ObjectNode tree = JsonNodeFactory.instance.objectNode();
                put(tree, "eventName", eventName);
                put(tree, "eventTime", eventTime);
                ObjectNode s3Tree = tree.putObject("s3");
                put(s3Tree.putObject("bucket"), "name", s3.bucket().name());
                ObjectNode object = s3Tree.putObject("object");
                ObjectFields o = s3.object();
                put(object, "key", o.key());
                put(object, "size", o.size());
                put(object, "eTag", o.eTag());
                put(object, "sequencer", o.sequencer());
                put(object, "versionId", o.versionId());
                put(object, "contentType", o.contentType());
                put(object, "userMetadata", o.userMetadata());
                return tree;
            }

            private static void put(ObjectNode tree, String field, JsonNode value) {
                if (value != null) {
                    tree.set(field, value);
                }
            }
        }

        @JsonIgnoreProperties(ignoreUnknown = true)
        record S3(BucketFields bucket, ObjectFields object) {
        }

        @JsonIgnoreProperties(ignoreUnknown = true)
        record BucketFields(JsonNode name) {
        }

        @JsonIgnoreProperties(ignoreUnknown = true)
        record ObjectFields(JsonNode key, JsonNode size, JsonNode eTag, JsonNode sequencer, JsonNode versionId,
                          JsonNode contentType, JsonNode userMetadata) {
        }
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
