package dev.deja.event;

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
        Parsed bound = isAscii(value) ? scan(value) : null;
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
     * The common case, cheaper: one pass over the event's bytes that keeps only the fields Deja reads,
     * checks the rest is well-formed JSON without building it (most of a MinIO event is request and
     * response metadata), and gives the kept fields the same values {@link #parseTree} would find, so
     * the same checks run on them. Null when anything is out of the ordinary (a field twice, a
     * value of another shape, a number that is not a plain integer, a record the checks reject), so
     * that {@link #parseTree} reads the event and names the reason. ASCII values only.
     */
    static Parsed scan(byte[] value) {
        List<Kept> records;
        try {
            records = new Scan(value).event();
        } catch (Scan.Unusual e) {
            return null;
        }
        List<S3Object> objects = new ArrayList<>(records.size());
        for (Kept r : records) {
            try {
                objects.add(record(r));
            } catch (MalformedEventException e) {
                return null;
            }
        }
        return new Parsed(objects, List.of());
    }

    /**
     * The byte scan of {@link #scan}: strict JSON (RFC 8259, as Jackson reads it by default), one
     * method per shape. Each step keeps what it reads of the fields {@link Kept} holds, or gives up.
     */
    private static final class Scan {

        /** Not the usual shape: the tree reading takes over. Thrown without a stack trace. */
        static final class Unusual extends Exception {
            private static final Unusual INSTANCE = new Unusual();

            private Unusual() {
                super("not the usual shape", null, false, false);
            }
        }

        /** Deeper nesting, a longer number or a longer name is left to the tree reading: Jackson has limits too. */
        private static final int MAX_DEPTH = 64;
        private static final int MAX_NUMBER_CHARS = 64;
        private static final int MAX_NAME_BYTES = 1024;

        /** A byte in each of the eight of a long, for {@link #special}, which tests eight bytes at once. */
        private static final long ONES = 0x0101010101010101L;
        private static final long HIGH_BITS = 0x8080808080808080L;
        private static final long SPACES = 0x2020202020202020L;
        private static final long QUOTES = 0x2222222222222222L;
        private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;

        private final byte[] b;
        /** The next byte to read. */
        private int at;
        /** The length of the name {@link #name} read last. */
        private int nameLength;
        /** Where the first backslash of the string {@link #skipString} read last is, or -1. */
        private int firstEscape;

        Scan(byte[] value) {
            this.b = value;
        }

        /** The elements of {@code Records}, each with only the fields {@link #record} reads. */
        List<Kept> event() throws Unusual {
            List<Kept> records = null;
            expect('{');
            if (!endOf('}')) {
                do {
                    int name = name();
                    if (is(name, "Records")) {
                        if (records != null) {
                            throw Unusual.INSTANCE;
                        }
                        records = new ArrayList<>(1);
                        expect('[');
                        if (!endOf(']')) {
                            do {
                                records.add(object(Scan::recordField, new Kept()));
                            } while (more(']'));
                        }
                    } else {
                        skipValue(1);
                    }
                } while (more('}'));
            }
            space();
            if (records == null || records.isEmpty() || at != b.length) {
                throw Unusual.INSTANCE;
            }
            return records;
        }

        private static boolean recordField(Scan s, int name, Kept into) throws Unusual {
            if (s.is(name, "eventName")) {
                into.eventName = s.once(into.eventName);
            } else if (s.is(name, "eventTime")) {
                into.eventTime = s.once(into.eventTime);
            } else if (s.is(name, "s3")) {
                into.s3 = s.objectOnce(into.s3, Scan::s3Field, into);
            } else {
                return false;
            }
            return true;
        }

        private static boolean s3Field(Scan s, int name, Kept into) throws Unusual {
            if (s.is(name, "bucket")) {
                into.bucket = s.objectOnce(into.bucket, Scan::bucketField, into);
            } else if (s.is(name, "object")) {
                into.object = s.objectOnce(into.object, Scan::objectField, into);
            } else {
                return false;
            }
            return true;
        }

        private static boolean bucketField(Scan s, int name, Kept into) throws Unusual {
            if (!s.is(name, "name")) {
                return false;
            }
            into.bucketName = s.once(into.bucketName);
            return true;
        }

        private static boolean objectField(Scan s, int name, Kept into) throws Unusual {
            if (s.is(name, "key")) {
                into.key = s.once(into.key);
            } else if (s.is(name, "size")) {
                into.size = s.once(into.size);
            } else if (s.is(name, "eTag")) {
                into.eTag = s.once(into.eTag);
            } else if (s.is(name, "sequencer")) {
                into.sequencer = s.once(into.sequencer);
            } else if (s.is(name, "versionId")) {
                into.versionId = s.once(into.versionId);
            } else if (s.is(name, "contentType")) {
                into.contentType = s.once(into.contentType);
            } else if (s.is(name, "userMetadata")) {
                require(into.userMetadata == null);
                into.userMetadata = s.object(Scan::anyScalar, JsonNodeFactory.instance.objectNode());
            } else {
                return false;
            }
            return true;
        }

        /** userMetadata: every field kept; a value that is not a scalar, or a field twice, is unusual. */
        private static boolean anyScalar(Scan s, int name, ObjectNode into) throws Unusual {
            require(into.putIfAbsent(s.nameText(name), s.scalar()) == null);
            return true;
        }

        /** What a field of an object keeps in {@code into}: false when the field is not kept (its value is skipped). */
        @FunctionalInterface
        private interface Fields<T> {
            boolean keep(Scan s, int name, T into) throws Unusual;
        }

        /** The object here, with the fields {@code fields} keeps kept in {@code into}. */
        private <T> T object(Fields<T> fields, T into) throws Unusual {
            expect('{');
            if (!endOf('}')) {
                do {
                    int name = name();
                    if (!fields.keep(this, name, into)) {
                        skipValue(1);
                    }
                } while (more('}'));
            }
            return into;
        }

        /** The object here, for a field kept once: {@code seen}, whether the field came before, must be false; returns true. */
        private <T> boolean objectOnce(boolean seen, Fields<T> fields, T into) throws Unusual {
            require(!seen);
            object(fields, into);
            return true;
        }

        /** The scalar here, for a field kept once: {@code kept}, what the field has so far, must be null. */
        private JsonNode once(JsonNode kept) throws Unusual {
            require(kept == null);
            return scalar();
        }

        /**
         * A field's name and the colon after it; returns where the name starts (its length is kept in
         * {@link #nameLength}). A name with an escape in it is unusual (its bytes are not its text, and
         * MinIO's names never have one), as is a name longer than {@link #MAX_NAME_BYTES}.
         */
        private int name() throws Unusual {
            space();
            require(peek('"'));
            int start = at + 1;
            int length = skipString();
            require(length <= MAX_NAME_BYTES && firstEscape < 0);
            nameLength = length;
            expect(':');
            return start;
        }

        private boolean is(int name, String expected) {
            if (nameLength != expected.length()) {
                return false;
            }
            for (int i = 0; i < nameLength; i++) {
                if (b[name + i] != expected.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        private String nameText(int name) {
            return new String(b, name, nameLength, StandardCharsets.ISO_8859_1);
        }

        /** A string, a whole number that fits a long, a boolean or null, as the tree reading builds it. */
        private JsonNode scalar() throws Unusual {
            space();
            if (at >= b.length) {
                throw Unusual.INSTANCE;
            }
            byte c = b[at];
            if (c == '"') {
                return TextNode.valueOf(string());
            }
            if (c == '-' || (c >= '0' && c <= '9')) {
                int start = at;
                if (!number()) {
                    throw Unusual.INSTANCE;
                }
                long n;
                try {
                    n = Long.parseLong(new String(b, start, at - start, StandardCharsets.ISO_8859_1));
                } catch (NumberFormatException e) {
                    throw Unusual.INSTANCE;
                }
                return n == (int) n ? IntNode.valueOf((int) n) : LongNode.valueOf(n);
            }
            if (literal("true")) {
                return BooleanNode.TRUE;
            }
            if (literal("false")) {
                return BooleanNode.FALSE;
            }
            if (literal("null")) {
                return NullNode.getInstance();
            }
            throw Unusual.INSTANCE;
        }

        /** The string here, its escapes decoded. */
        private String string() throws Unusual {
            int start = at + 1;
            int length = skipString();
            int escape = firstEscape;
            if (escape < 0) {
                return new String(b, start, length, StandardCharsets.ISO_8859_1);
            }
            // Checked by skipString already: decode it, then carry on after it.
            int after = at;
            StringBuilder decoded = new StringBuilder(length).append(new String(b, start, escape - start, StandardCharsets.ISO_8859_1));
            for (at = escape; at < start + length; ) {
                decoded.append(b[at] == '\\' ? escape() : (char) b[at++]);
            }
            at = after;
            return decoded.toString();
        }

        /** The escape at the backslash here, as the one char it stands for; leaves {@link #at} after it. */
        private char escape() throws Unusual {
            if (at + 1 >= b.length) {
                throw Unusual.INSTANCE;
            }
            byte c = b[at + 1];
            at += 2;
            return switch (c) {
                case '"' -> '"';
                case '\\' -> '\\';
                case '/' -> '/';
                case 'b' -> '\b';
                case 'f' -> '\f';
                case 'n' -> '\n';
                case 'r' -> '\r';
                case 't' -> '\t';
                case 'u' -> {
                    if (at + 4 > b.length) {
                        throw Unusual.INSTANCE;
                    }
                    int code = 0;
                    for (int i = 0; i < 4; i++) {
                        int digit = Character.digit(b[at + i], 16);
                        if (digit < 0) {
                            throw Unusual.INSTANCE;
                        }
                        code = code * 16 + digit;
                    }
                    at += 4;
                    yield (char) code;
                }
                default -> throw Unusual.INSTANCE;
            };
        }

        /** Checks the value here is well-formed and moves past it, building nothing. */
        private void skipValue(int depth) throws Unusual {
            if (depth > MAX_DEPTH) {
                throw Unusual.INSTANCE;
            }
            space();
            if (at >= b.length) {
                throw Unusual.INSTANCE;
            }
            switch (b[at]) {
                case '{' -> {
                    at++;
                    if (!endOf('}')) {
                        do {
                            name();
                            skipValue(depth + 1);
                        } while (more('}'));
                    }
                }
                case '[' -> {
                    at++;
                    if (!endOf(']')) {
                        do {
                            skipValue(depth + 1);
                        } while (more(']'));
                    }
                }
                case '"' -> skipString();
                case 't' -> require(literal("true"));
                case 'f' -> require(literal("false"));
                case 'n' -> require(literal("null"));
                default -> number();
            }
        }

        /**
         * Moves past the string here (at its opening quote), checking its escapes; returns its length in
         * bytes and keeps where its first backslash is in {@link #firstEscape}.
         */
        private int skipString() throws Unusual {
            int start = ++at;
            firstEscape = -1;
            while (true) {
                // Most of an event is plain string bytes: eight at a time, up to the first byte that is not.
                for (int end = b.length - 8; at <= end; at += 8) {
                    long special = special((long) LONGS.get(b, at));
                    if (special != 0) {
                        at += Long.numberOfTrailingZeros(special) >>> 3;
                        break;
                    }
                }
                if (at >= b.length) {
                    throw Unusual.INSTANCE;
                }
                byte c = b[at];
                if (c == '"') {
                    return at++ - start;
                }
                if (c < 0x20) {
                    throw Unusual.INSTANCE;
                }
                if (c == '\\') {
                    if (firstEscape < 0) {
                        firstEscape = at;
                    }
                    escape();
                } else {
                    at++;
                }
            }
        }

        /**
         * The high bit of each byte of {@code word} (eight bytes, the first the lowest) that a string
         * cannot simply pass over: a quote, a backslash, a control character, or a byte beyond ASCII
         * (there is none, as {@link #parse} scans ASCII values only, and the byte-wise checks would
         * reject one). Flags no byte before the first such byte, and always that one: a subtraction
         * only borrows from a byte that is flagged, so the bytes after the first flagged one may be
         * flagged wrongly, and {@link #skipString} looks at the first one alone.
         */
        private static long special(long word) {
            long control = word - SPACES;
            long quote = (word ^ QUOTES) - ONES;
            long backslash = (word ^ BACKSLASHES) - ONES;
            return (control | quote | backslash | word) & HIGH_BITS;
        }

        /**
         * Moves past the JSON number here, {@code -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?};
         * true when it is a plain integer (the kept fields are; a skipped one may be any number).
         */
        private boolean number() throws Unusual {
            int start = at;
            boolean integer = true;
            if (peek('-')) {
                at++;
            }
            if (peek('0')) {
                at++;
            } else {
                require(digits() > 0);
            }
            if (peek('.')) {
                at++;
                require(digits() > 0);
                integer = false;
            }
            if (peek('e') || peek('E')) {
                at++;
                if (peek('+') || peek('-')) {
                    at++;
                }
                require(digits() > 0);
                integer = false;
            }
            // What follows ("01", "1x") is the caller's to check: only a comma or a closing bracket may.
            require(at - start <= MAX_NUMBER_CHARS);
            return integer;
        }

        private int digits() {
            int start = at;
            while (at < b.length && b[at] >= '0' && b[at] <= '9') {
                at++;
            }
            return at - start;
        }

        private boolean literal(String word) {
            if (at + word.length() > b.length) {
                return false;
            }
            for (int i = 0; i < word.length(); i++) {
                if (b[at + i] != word.charAt(i)) {
                    return false;
                }
            }
            at += word.length();
            return true;
        }

        /** After a member or element: true at a comma (another follows), false at {@code close}. */
        private boolean more(char close) throws Unusual {
            space();
            if (at < b.length && b[at] == ',') {
                at++;
                return true;
            }
            expect(close);
            return false;
        }

        /** Just after an opening bracket: true (and past it) when {@code close} follows at once. */
        private boolean endOf(char close) {
            space();
            if (at < b.length && b[at] == close) {
                at++;
                return true;
            }
            return false;
        }

        private void expect(char c) throws Unusual {
            space();
            if (at >= b.length || b[at] != c) {
                throw Unusual.INSTANCE;
            }
            at++;
        }

        private boolean peek(char c) {
            return at < b.length && b[at] == c;
        }

        private void space() {
            while (at < b.length && isSpace(b[at])) {
                at++;
            }
        }

        private static boolean isSpace(byte c) {
            return c == ' ' || c == '\n' || c == '\r' || c == '\t';
        }

        private static void require(boolean ok) throws Unusual {
            if (!ok) {
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

    /**
     * The fields of one element of {@code Records} that {@link #record} reads, as it found them: a
     * value node, or null where the field is absent; whether {@code s3}, {@code s3.bucket} and
     * {@code s3.object} are objects. {@link #parseTree} takes them from the tree, {@link #scan}
     * straight from the bytes.
     */
    private static final class Kept {
        JsonNode eventName;
        JsonNode eventTime;
        boolean s3;
        boolean bucket;
        boolean object;
        JsonNode bucketName;
        JsonNode key;
        JsonNode size;
        JsonNode eTag;
        JsonNode sequencer;
        JsonNode versionId;
        JsonNode contentType;
        JsonNode userMetadata;
    }

    private static S3Object record(JsonNode r) throws MalformedEventException {
        if (r == null || !r.isObject()) {
            throw new MalformedEventException("not an object");
        }
        Kept kept = new Kept();
        kept.eventName = r.get("eventName");
        kept.eventTime = r.get("eventTime");
        JsonNode s3 = r.get("s3");
        kept.s3 = s3 != null && s3.isObject();
        if (kept.s3) {
            JsonNode bucket = s3.get("bucket");
            kept.bucket = bucket != null && bucket.isObject();
            if (kept.bucket) {
                kept.bucketName = bucket.get("name");
            }
            JsonNode object = s3.get("object");
            kept.object = object != null && object.isObject();
            if (kept.object) {
                kept.key = object.get("key");
                kept.size = object.get("size");
                kept.eTag = object.get("eTag");
                kept.sequencer = object.get("sequencer");
                kept.versionId = object.get("versionId");
                kept.contentType = object.get("contentType");
                kept.userMetadata = object.get("userMetadata");
            }
        }
        return record(kept);
    }

    private static S3Object record(Kept r) throws MalformedEventException {
        String eventName = text(r.eventName, "eventName", true);
        if (!r.s3) {
            throw new MalformedEventException("missing s3");
        }
        if (!r.bucket) {
            throw new MalformedEventException("missing s3.bucket");
        }
        if (!r.object) {
            throw new MalformedEventException("missing s3.object");
        }
        String bucketName = text(r.bucketName, "name", true);
        String key = decodeKey(text(r.key, "key", true));
        JsonNode sizeNode = r.size;
        Long size = null;
        if (sizeNode != null && !sizeNode.isNull()) {
            if (!sizeNode.canConvertToLong() || sizeNode.asLong() < 0) {
                throw new MalformedEventException("s3.object.size is not a non-negative number");
            }
            size = sizeNode.asLong();
        }
        String eTag = text(r.eTag, "eTag", false);
        if (eTag != null) {
            if (eTag.indexOf('"') >= 0) {
                eTag = eTag.replace("\"", "");
            }
            if (eTag.isEmpty()) {
                eTag = null;
            }
        }
        return new S3Object(bucketName, key, eventName, text(r.eventTime, "eventTime", false),
                text(r.sequencer, "sequencer", false), eTag, size, text(r.versionId, "versionId", false),
                text(r.contentType, "contentType", false), isEncrypted(r.userMetadata));
    }

    private static String decodeKey(String raw) throws MalformedEventException {
        String key = raw;
        if (raw.indexOf('%') >= 0 || raw.indexOf('+') >= 0) {
            key = decodeAscii(raw);
            if (key == null) {
                try {
                    key = URLDecoder.decode(raw, StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    throw new MalformedEventException("s3.object.key is not URL-encoded: " + e.getMessage());
                }
            }
        }
        if (key.isEmpty()) {
            throw new MalformedEventException("s3.object.key is empty");
        }
        // A char is at most 3 bytes of UTF-8 (a surrogate pair, two chars, is 4): most keys need no encoding here.
        if (key.length() * 3L > MAX_KEY_BYTES && key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw new MalformedEventException("s3.object.key is longer than " + MAX_KEY_BYTES + " bytes");
        }
        return key;
    }

    /**
     * What {@link URLDecoder#decode} makes of {@code raw} when each escape in it is a plain {@code %XX} of
     * an ASCII byte (MinIO's {@code %2F} for a slash, say): that byte's char, as UTF-8 has it. Null for
     * any other escape, which URLDecoder decodes or rejects.
     */
    static String decodeAscii(String raw) {
        char[] decoded = new char[raw.length()];
        int length = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '+') {
                c = ' ';
            } else if (c == '%') {
                int high = i + 2 < raw.length() ? hexDigit(raw.charAt(i + 1)) : -1;
                int low = high >= 0 && high < 8 ? hexDigit(raw.charAt(i + 2)) : -1;
                if (low < 0) {
                    return null;
                }
                c = (char) (high << 4 | low);
                i += 2;
            }
            decoded[length++] = c;
        }
        return new String(decoded, 0, length);
    }

    /** The value of an ASCII hex digit, or -1 (URLDecoder takes a sign or a digit of another script too). */
    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
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

    /** The text of {@code value}, the value of {@code field} (null when it is absent). */
    private static String text(JsonNode value, String field, boolean required) throws MalformedEventException {
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
