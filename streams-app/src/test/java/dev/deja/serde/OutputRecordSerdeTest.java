package dev.deja.serde;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deja.model.OutputRecord;
import dev.deja.model.Outcome;
import dev.deja.model.S3Object;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;

/** The hand-written output serializer writes exactly the bytes the data binding writes, for any record. */
class OutputRecordSerdeTest {

    private static final List<String> TEXTS = List.of("", "photos", "holiday 2026/caf\u00e9 \"cat\"\\.png",
            "line\nbreak\ttab\u0001\u007f", "\u65e5\u672c\u8a9e\ud83d\ude00", "s3://photos/thumbs/cat.png");
    private static final List<JsonNode> RESULTS = List.of(Json.parse("{}"),
            Json.parse("{\"thumbnail\":\"s3://photos/t/cat.png\",\"width\":128,\"height\":96}"),
            Json.parse("{\"a\":[1,-2.5,1e300,12345678901234567890,true,null,{\"b\":\"\\u00e9\"}],\"c\":{}}"),
            Json.parse("[]"), Json.parse("\"text\""), Json.parse("42"));

    private final Serializer<OutputRecord> handWritten = new OutputRecordSerde().serializer();
    private final Serializer<OutputRecord> dataBinding = JsonSerde.of(OutputRecord.class).serializer();

    @Test
    void shouldWriteTheSameBytesAsTheDataBindingForEveryShapeOfRecord() {
        Random random = new Random(20261201);
        for (int i = 0; i < 5_000; i++) {
            OutputRecord r = randomRecord(random);

            byte[] bytes = handWritten.serialize("deja-output", r);

            assertThat(new String(bytes, StandardCharsets.UTF_8)).as("record %d", i)
                    .isEqualTo(new String(dataBinding.serialize("deja-output", r), StandardCharsets.UTF_8));
            assertThat(new OutputRecordSerde().deserializer().deserialize("deja-output", bytes)).isEqualTo(r);
        }
    }

    @Test
    void shouldWriteNullAsATombstone() {
        assertThat(handWritten.serialize("deja-output", null)).isNull();
    }

    private static OutputRecord randomRecord(Random random) {
        S3Object object = random.nextInt(10) == 0 ? null : new S3Object(text(random), text(random), text(random),
                text(random), text(random), text(random), random.nextBoolean() ? null : random.nextLong(),
                text(random), text(random), random.nextBoolean());
        Outcome outcome = random.nextInt(8) == 0 ? null : Outcome.values()[random.nextInt(Outcome.values().length)];
        return new OutputRecord(object, text(random), text(random), text(random), text(random), text(random),
                outcome, random.nextBoolean() ? null : RESULTS.get(random.nextInt(RESULTS.size())), text(random),
                text(random), text(random), random.nextBoolean() ? null : (long) random.nextInt(100_000),
                random.nextLong());
    }

    /** Null a third of the time; otherwise one of the texts that JSON must escape or encode. */
    private static String text(Random random) {
        int pick = random.nextInt(TEXTS.size() + TEXTS.size() / 2);
        return pick < TEXTS.size() ? TEXTS.get(pick) : null;
    }
}
