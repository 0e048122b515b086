package dev.deja.event;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.deja.model.S3Object;
import dev.deja.serde.Json;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

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
     * The common case, cheaper: walks the event's tokens once, keeps only the fields Deja reads, and
     * skips the rest without building it (most of a MinIO event is request and response metadata).
     * The kept fields make the same small trees {@link #parseTree} would find, and the same checks
     * run on them. Null when anything is out of the ordinary (a field twice, a value of another
     * shape, a record the checks reject), so that {@link #parseTree} reads the event and names the
     * reason.
     */
    static Parsed bind(byte[] value) {
        List<ObjectNode> records;
        try (JsonParser parser = Json.MAPPER.createParser(value)) {
            records = Walk.event(parser);
        } catch (Walk.Unusual | IOException | RuntimeException e) {
            return null;
        }
        List<S3Object> objects = new ArrayList<>(records.size());
        for (ObjectNode r : records) {
            try {
                objects.add(record(r));
            } catch (MalformedEventException e) {
                return null;
            }
        }
        return new Parsed(objects, List.of());
    }

    /** The token walk of {@link #bind}: each step builds the part of the tree it keeps, or gives up. */
    private static final class Walk {

        /** Not the usual shape: the tree reading takes over. Thrown without a stack trace. */
        static final class Unusual extends Exception {
            private static final Unusual INSTANCE = new Unusual();

            private Unusual() {
                super("not the usual shape", null, false, false);
            }
        }

        private Walk() {
        }

        /** The elements of {@code Records}, each with only the fields {@link #record} reads. */
        static List<ObjectNode> event(JsonParser p) throws IOException, Unusual {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            List<ObjectNode> records = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken token = p.nextToken();
                if (!field.equals("Records")) {
                    p.skipChildren();
                    continue;
                }
                if (records != null) {
                    throw Unusual.INSTANCE;
                }
                expect(token, JsonToken.START_ARRAY);
                records = new ArrayList<>(1);
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    records.add(object(p, Walk::recordField));
                }
            }
            if (records == null || records.isEmpty() || p.nextToken() != null) {
                throw Unusual.INSTANCE;
            }
            return records;
        }

        private static boolean recordField(JsonParser p, String field, ObjectNode into) throws IOException, Unusual {
            switch (field) {
                case "eventName", "eventTime" -> into.set(field, scalar(p));
                case "s3" -> into.set(field, object(p, Walk::s3Field));
                default -> {
                    return false;
                }
            }
            return true;
        }

        private static boolean s3Field(JsonParser p, String field, ObjectNode into) throws IOException, Unusual {
            switch (field) {
                case "bucket" -> into.set(field, object(p, Walk::bucketField));
                case "object" -> into.set(field, object(p, Walk::objectField));
                default -> {
                    return false;
                }
            }
            return true;
        }

        private static boolean bucketField(JsonParser p, String field, ObjectNode into) throws IOException, Unusual {
            if (!field.equals("name")) {
                return false;
            }
            into.set(field, scalar(p));
            return true;
        }

        private static boolean objectField(JsonParser p, String field, ObjectNode into) throws IOException, Unusual {
            switch (field) {
                case "key", "size", "eTag", "sequencer", "versionId", "contentType" -> into.set(field, scalar(p));
                case "userMetadata" -> into.set(field, Json.MAPPER.readTree(p));
                default -> {
                    return false;
                }
            }
            return true;
        }

        /** What a field of an object keeps: false when the field is not kept (its value is skipped). */
        @FunctionalInterface
        private interface Fields {
            boolean keep(JsonParser p, String field, ObjectNode into) throws IOException, Unusual;
        }

        /** The object at the current token, with the fields {@code fields} keeps; a field twice is unusual. */
        private static ObjectNode object(JsonParser p, Fields fields) throws IOException, Unusual {
            expect(p.currentToken(), JsonToken.START_OBJECT);
            ObjectNode into = JsonNodeFactory.instance.objectNode();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (into.has(field)) {
                    throw Unusual.INSTANCE;
                }
                if (!fields.keep(p, field, into)) {
                    p.skipChildren();
                }
            }
            return into;
        }

        /** A string, a whole number that fits a long, a boolean or null, as the tree reading builds it. */
        private static JsonNode scalar(JsonParser p) throws IOException, Unusual {
            return switch (p.currentToken()) {
                case VALUE_STRING -> TextNode.valueOf(p.getText());
                case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                    case INT -> IntNode.valueOf(p.getIntValue());
                    case LONG -> LongNode.valueOf(p.getLongValue());
                    default -> throw Unusual.INSTANCE;
                };
                case VALUE_TRUE, VALUE_FALSE -> BooleanNode.valueOf(p.currentToken() == JsonToken.VALUE_TRUE);
                case VALUE_NULL -> NullNode.getInstance();
                default -> throw Unusual.INSTANCE;
            };
        }

        private static void expect(JsonToken token, JsonToken expected) throws Unusual {
            if (token != expected) {
                throw Unusual.INSTANCE;
            }
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

    /** No byte with the high bit set; eight bytes at a time. */
    static boolean isAscii(byte[] value) {
        int i = 0;
        for (int end = value.length - 7; i < end; i += 8) {
            if (((long) LONGS.get(value, i) & 0x8080808080808080L) != 0) {
                return false;
            }
        }
        for (; i < value.length; i++) {
            if (value[i] < 0) {
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
