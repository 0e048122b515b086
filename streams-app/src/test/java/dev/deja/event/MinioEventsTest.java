package dev.deja.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import dev.deja.model.S3Object;
import dev.deja.serde.Json;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The byte scan (the fast path) and the tree reading must agree on every event, accepted or not. */
class MinioEventsTest {

    private static final String RECORD = """
            {"eventVersion":"2.0","eventSource":"minio:s3","awsRegion":"","eventTime":"2026-11-23T10:15:30.120Z",\
            "eventName":"s3:ObjectCreated:Put","userIdentity":{"principalId":"minioadmin"},\
            "requestParameters":{"principalId":"minioadmin","region":"","sourceIPAddress":"172.18.0.1"},\
            "responseElements":{"x-amz-request-id":"187A9E2C9B5D3A10"},"s3":{"s3SchemaVersion":"1.0",\
            "configurationId":"Config","bucket":{"name":"photos","ownerIdentity":{"principalId":"minioadmin"},\
            "arn":"arn:aws:s3:::photos"},"object":{"key":"holiday+2026%2Fcat.png","size":1234,\
            "eTag":"\\"9e107d9d372bb6826bd81d3542a419d6\\"","contentType":"image/png",\
            "userMetadata":{"content-type":"image/png"},"versionId":"v1","sequencer":"187A9E2C9B5D3A10"}},\
            "source":{"host":"172.18.0.1","port":"","userAgent":"MinIO (linux; amd64) minio-go/v7.0.70"}}""";

    static Stream<Arguments> goodEvents() {
        return Stream.of(
                Arguments.of("a created object", event(RECORD)),
                Arguments.of("two records", event(RECORD + "," + RECORD.replace("187A9E2C9B5D3A10", "187A9E2C9B5D3A11"))),
                Arguments.of("no size, null version", event(RECORD.replace("\"size\":1234,", "").replace("\"v1\"", "null"))),
                Arguments.of("SSE-C metadata", event(RECORD.replace("{\"content-type\":\"image/png\"}",
                        "{\"X-Amz-Server-Side-Encryption-Customer-Algorithm\":\"AES256\"}"))),
                Arguments.of("KMS metadata", event(RECORD.replace("{\"content-type\":\"image/png\"}",
                        "{\"X-Amz-Server-Side-Encryption\":\"aws:kms\"}"))),
                Arguments.of("empty ETag", event(RECORD.replace("\"\\\"9e107d9d372bb6826bd81d3542a419d6\\\"\"", "\"\\\"\\\"\""))));
    }

    static Stream<Arguments> oddEvents() {
        return Stream.of(
                Arguments.of("one good record, one without s3", event(RECORD + ",{\"eventName\":\"s3:ObjectCreated:Put\"}")),
                Arguments.of("s3 of the wrong type", event(RECORD.replace("\"s3\":{\"s3SchemaVersion\"", "\"s4\":{\"s3SchemaVersion\"")
                        .replace("\"source\":", "\"s3\":\"nope\",\"source\":"))),
                Arguments.of("size of the wrong type", event(RECORD.replace("\"size\":1234", "\"size\":\"big\""))),
                Arguments.of("key of the wrong type", event(RECORD.replace("\"key\":\"holiday+2026%2Fcat.png\"", "\"key\":42"))),
                Arguments.of("negative size", event(RECORD.replace("\"size\":1234", "\"size\":-1"))),
                Arguments.of("null record", event("null," + RECORD)),
                Arguments.of("Records not an array", "{\"Records\":{}}"),
                Arguments.of("Records empty", "{\"Records\":[]}"),
                Arguments.of("not an object", "[1,2]"),
                Arguments.of("not JSON", "{\"Records\":["));
    }

    /** Events the checks accept but the byte scan leaves to the tree reading. */
    static Stream<Arguments> unusualEvents() {
        return Stream.of(
                Arguments.of("a kept field twice", event(RECORD.replace("\"size\":1234,", "\"size\":1,\"size\":1234,"))),
                Arguments.of("eventName twice", event(RECORD.replace("\"eventName\":", "\"eventName\":null,\"eventName\":"))),
                Arguments.of("s3 twice", event(RECORD.replace("\"s3\":{\"s3SchemaVersion\"", "\"s3\":{},\"s3\":{\"s3SchemaVersion\""))),
                Arguments.of("bucket twice", event(RECORD.replace("\"bucket\":{", "\"bucket\":{},\"bucket\":{"))),
                Arguments.of("object twice", event(RECORD.replace("\"object\":{", "\"object\":{},\"object\":{"))),
                Arguments.of("userMetadata twice", event(RECORD.replace("\"userMetadata\":{", "\"userMetadata\":{},\"userMetadata\":{"))),
                Arguments.of("a metadata field twice", event(RECORD.replace("{\"content-type\":", "{\"content-type\":\"a\",\"content-type\":"))),
                Arguments.of("Records twice", "{\"Records\":[],\"Records\":[" + RECORD + "]}"),
                Arguments.of("size written as a decimal", event(RECORD.replace("\"size\":1234", "\"size\":1234.0"))),
                Arguments.of("text after the event", event(RECORD) + " {}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goodEvents")
    void shouldBindWhatTheTreeReadingReadsWhenTheEventIsGood(String kind, String json) throws Exception {
        byte[] value = json.getBytes(StandardCharsets.UTF_8);

        MinioEvents.Parsed bound = MinioEvents.scan(value);

        assertThat(bound).as("scanned, not read as a tree").isNotNull().isEqualTo(MinioEvents.parseTree(value));
        assertThat(MinioEvents.parse(value)).isEqualTo(bound);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("oddEvents")
    void shouldLeaveTheEventToTheTreeReadingWhenAnythingIsOdd(String kind, String json) throws Exception {
        byte[] value = json.getBytes(StandardCharsets.UTF_8);

        assertThat(MinioEvents.scan(value)).isNull();
        MinioEvents.Parsed tree;
        try {
            tree = MinioEvents.parseTree(value);
        } catch (MalformedEventException e) {
            assertThatThrownBy(() -> MinioEvents.parse(value)).isInstanceOf(MalformedEventException.class)
                    .hasMessage(e.getMessage());
            return;
        }
        assertThat(tree.rejected()).isNotEmpty();
        assertThat(MinioEvents.parse(value)).isEqualTo(tree);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unusualEvents")
    void shouldReadUnusualEventsAsTheTreeReadingDoes(String kind, String json) throws Exception {
        byte[] value = json.getBytes(StandardCharsets.UTF_8);

        assertThat(MinioEvents.scan(value)).isNull();
        MinioEvents.Parsed tree = MinioEvents.parseTree(value);
        assertThat(tree.objects()).as("the tree reading accepts it").isNotEmpty();
        assertThat(MinioEvents.parse(value)).isEqualTo(tree);
    }

    @Test
    void shouldSkipUnreadFieldsOfAnyShape() throws Exception {
        String json = event(RECORD.replace("\"source\":{", "\"extra\":[{\"a\":[1,2.5,{\"b\":null}]},\"s3\",true],\"source\":{"));
        byte[] value = json.getBytes(StandardCharsets.UTF_8);

        assertThat(MinioEvents.scan(value)).isNotNull().isEqualTo(MinioEvents.parseTree(value));
    }

    @Test
    void shouldScanEscapesWhitespaceAndNumbersOfEveryFormAsTheTreeReadingDoes() throws Exception {
        String escaped = RECORD.replace("\"key\":\"holiday+2026%2Fcat.png\"", "\"key\":\"caf\\u00e9 \\\"\\\\\\/\\t.png\"")
                .replace("\"source\":{", "\"numbers\":[0,-0,12,-3.5e+2,1E9,0.25,-1e-7,123456789012],\"source\":{");
        String pretty = Json.MAPPER.writerWithDefaultPrettyPrinter().with(JsonWriteFeature.ESCAPE_NON_ASCII)
                .writeValueAsString(Json.parse(event(escaped)));
        for (String json : List.of(event(escaped), pretty, pretty.replace("  ", "\t").replace("\n", "\r\n"))) {
            byte[] value = json.getBytes(StandardCharsets.UTF_8);

            assertThat(MinioEvents.scan(value)).as(json).isNotNull().isEqualTo(MinioEvents.parseTree(value));
        }
        assertThat(MinioEvents.scan(event(escaped).getBytes(StandardCharsets.UTF_8)).objects().get(0).key())
                .isEqualTo("caf\u00e9 \"\\/\t.png");
    }

    /**
     * Thousands of events broken at random, in the ways JSON breaks (a bracket, quote, comma or digit
     * added, lost or changed; a piece repeated; the end cut off): whatever the scan accepts, the tree
     * reading accepts too, with the same objects and nothing rejected. Seeded, so a failure repeats.
     */
    @Test
    void shouldNeverAcceptWhatTheTreeReadingRejectsOrReadItDifferently() throws Exception {
        Random random = new Random(20261201);
        String alphabet = "{}[]\":,\\ \t\n0123456789-+.eEtrufalsn/bxu";
        List<String> seeds = List.of(event(RECORD), event(RECORD + "," + RECORD), Json.MAPPER
                .writerWithDefaultPrettyPrinter().writeValueAsString(Json.parse(event(RECORD))));
        int scanned = 0;
        for (int i = 0; i < 30_000; i++) {
            StringBuilder json = new StringBuilder(seeds.get(i % seeds.size()));
            for (int edits = 1 + random.nextInt(3); edits > 0 && json.length() > 0; edits--) {
                int at = random.nextInt(json.length());
                char c = alphabet.charAt(random.nextInt(alphabet.length()));
                switch (random.nextInt(5)) {
                    case 0 -> json.deleteCharAt(at);
                    case 1 -> json.insert(at, c);
                    case 2 -> json.setCharAt(at, c);
                    case 3 -> json.insert(at, json.substring(at, Math.min(json.length(), at + 1 + random.nextInt(40))));
                    default -> json.setLength(at);
                }
            }
            byte[] value = json.toString().getBytes(StandardCharsets.UTF_8);
            MinioEvents.Parsed scan = MinioEvents.scan(value);
            if (scan == null) {
                continue;
            }
            scanned++;
            MinioEvents.Parsed tree;
            try {
                tree = MinioEvents.parseTree(value);
            } catch (MalformedEventException e) {
                throw new AssertionError("scanned an event the tree reading rejects (" + e.getMessage() + "): " + json);
            }
            assertThat(tree.rejected()).as(json.toString()).isEmpty();
            assertThat(scan).as(json.toString()).isEqualTo(tree);
        }
        assertThat(scanned).as("broken in a harmless place, still scanned").isGreaterThan(3_000);
    }

    /** What may be put into a string: the bytes it stops at, and their neighbours, which it passes over. */
    static Stream<Arguments> stringBytes() {
        return Stream.of(
                Arguments.of("a quote", "\""),
                Arguments.of("an escaped quote", "\\\""),
                Arguments.of("an escaped backslash", "\\\\"),
                Arguments.of("an escaped quote and a quote", "\\\"\""),
                Arguments.of("a \\u escape", "\\u0041"),
                Arguments.of("a bad escape", "\\a"),
                Arguments.of("a backslash at the end", "\\"),
                Arguments.of("control character 0x01", "\u0001"),
                Arguments.of("control character 0x1F", "\u001f"),
                Arguments.of("a tab", "\t"),
                Arguments.of("a space and '!'", " !"),
                Arguments.of("'#' and '['", "#["),
                Arguments.of("']' and DEL", "]\u007f"));
    }

    /**
     * The string scan reads eight bytes at a time: wherever in or across those words a byte of
     * {@link #stringBytes} is, in a skipped string, a kept one or a name, and wherever the string
     * ends, the scan reads the event as the tree reading does, or leaves it to it.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("stringBytes")
    void shouldReadEveryByteOfAStringAsTheTreeReadingDoesWhereverItIs(String kind, String put) throws Exception {
        String letters = "abcdefghijklmnopqrstu";
        // A skipped string, a kept one and a name, as RECORD has them and with %s where the new text goes.
        Map<String, String> places = Map.of(
                "\"userAgent\":\"MinIO (linux; amd64) minio-go/v7.0.70\"", "\"userAgent\":\"%s\"",
                "\"versionId\":\"v1\"", "\"versionId\":\"%s\"",
                "\"configurationId\":\"Config\"", "\"%s\":\"Config\"");
        for (Map.Entry<String, String> place : places.entrySet()) {
            // A name with an escape is left to the tree reading even when it is good.
            boolean scannable = !(place.getValue().startsWith("\"%s\":") && put.contains("\\"));
            for (int length = 0; length <= letters.length(); length++) {
                for (int at = 0; at <= length; at++) {
                    String text = letters.substring(0, at) + put + letters.substring(at, length);
                    String json = event(RECORD.replace(place.getKey(), String.format(place.getValue(), text)));
                    byte[] value = json.getBytes(StandardCharsets.UTF_8);

                    MinioEvents.Parsed scan = MinioEvents.scan(value);

                    MinioEvents.Parsed tree;
                    try {
                        tree = MinioEvents.parseTree(value);
                    } catch (MalformedEventException e) {
                        assertThat(scan).as(json).isNull();
                        continue;
                    }
                    if (scannable && tree.rejected().isEmpty()) {
                        assertThat(scan).as(json).isNotNull().isEqualTo(tree);
                    } else {
                        assertThat(scan).as(json).isNull();
                    }
                }
            }
        }
    }

    @Test
    void shouldFindAByteBeyondAsciiWhereverItIs() {
        for (int length = 0; length <= 20; length++) {
            byte[] value = new byte[length];
            java.util.Arrays.fill(value, (byte) 'a');
            assertThat(MinioEvents.isAscii(value)).as("%d ASCII bytes", length).isTrue();
            for (int at = 0; at < length; at++) {
                value[at] = (byte) 0xC3;
                assertThat(MinioEvents.isAscii(value)).as("byte %d of %d", at, length).isFalse();
                value[at] = (byte) 'a';
            }
        }
    }

    /**
     * Keys whose escapes are all of ASCII bytes are decoded without URLDecoder, and must come out as
     * URLDecoder has them; any other escape, good or bad, is left to it. Seeded, so a failure repeats.
     */
    @Test
    void shouldDecodeAsciiEscapesAsURLDecoderDoes() {
        for (int c = 0; c < 0x80; c++) {
            for (String escape : List.of(String.format("%%%02X", c), String.format("%%%02x", c))) {
                String raw = "a" + escape + "+b";
                assertThat(MinioEvents.decodeAscii(raw)).as(raw).isEqualTo(URLDecoder.decode(raw, StandardCharsets.UTF_8));
            }
        }
        Random random = new Random(20261202);
        String alphabet = "%%%+09afAFgG/-.~\u00e9\u20ac";
        int decoded = 0;
        for (int i = 0; i < 20_000; i++) {
            StringBuilder raw = new StringBuilder();
            for (int length = random.nextInt(10); length > 0; length--) {
                raw.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String ascii = MinioEvents.decodeAscii(raw.toString());
            if (ascii != null) {
                decoded++;
                assertThat(ascii).as(raw.toString()).isEqualTo(URLDecoder.decode(raw.toString(), StandardCharsets.UTF_8));
            }
        }
        assertThat(decoded).as("decoded without URLDecoder").isGreaterThan(2_000);
        assertThat(List.of("caf%C3%A9", "%E2%82%AC", "%2", "a%", "%+F", "%-1", "%G0"))
                .allSatisfy(raw -> assertThat(MinioEvents.decodeAscii(raw)).as(raw).isNull());
    }

    @Test
    void shouldDecodeTheKeyAndStripTheETagQuotes() throws Exception {
        S3Object object = MinioEvents.parse(event(RECORD).getBytes(StandardCharsets.UTF_8)).objects().get(0);

        assertThat(object).isEqualTo(new S3Object("photos", "holiday 2026/cat.png", "s3:ObjectCreated:Put",
                "2026-11-23T10:15:30.120Z", "187A9E2C9B5D3A10", "9e107d9d372bb6826bd81d3542a419d6", 1234L, "v1",
                "image/png", false));
    }

    private static String event(String records) {
        return "{\"EventName\":\"s3:ObjectCreated:Put\",\"Key\":\"photos/cat.png\",\"Records\":[" + records + "]}";
    }
}
