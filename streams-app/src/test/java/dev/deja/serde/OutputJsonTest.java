package dev.deja.serde;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deja.model.Outcome;
import dev.deja.model.OutputRecord;
import dev.deja.model.S3Object;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Consumers read {@code deja-output} as JSON: the hand-written writer must write what the data binding writes. */
class OutputJsonTest {

    private final Random random = new Random(20);

    @Test
    void shouldWriteTheSameBytesAsTheDataBinding() throws Exception {
        for (int i = 0; i < 2_000; i++) {
            OutputRecord record = record();
            byte[] expected = Json.MAPPER.writeValueAsBytes(record);
            byte[] written = OutputJson.serializer().serialize("deja-output", record);
            assertThat(new String(written, StandardCharsets.UTF_8)).isEqualTo(new String(expected, StandardCharsets.UTF_8));
        }
    }

    @Test
    void shouldReadBackWhatItWrites() throws Exception {
        OutputRecord record = record();
        var serde = OutputJson.serde();

        assertThat(serde.deserializer().deserialize("deja-output", serde.serializer().serialize("deja-output", record)))
                .isEqualTo(record);
        assertThat(serde.serializer().serialize("deja-output", null)).isNull();
    }

    /** Every field null or not, strings with quotes, escapes, control characters and text beyond ASCII. */
    private OutputRecord record() {
        S3Object object = random.nextInt(10) == 0 ? null : new S3Object(text(), text(), text(), text(), text(), text(),
                random.nextBoolean() ? null : random.nextLong(), text(), text(), random.nextBoolean());
        Outcome outcome = random.nextInt(6) == 0 ? null : Outcome.values()[random.nextInt(Outcome.values().length)];
        return new OutputRecord(object, text(), text(), text(), text(), text(), outcome, result(), text(), text(), text(),
                random.nextBoolean() ? null : (long) random.nextInt(100_000), random.nextLong());
    }

    private JsonNode result() {
        return switch (random.nextInt(4)) {
            case 0 -> null;
            case 1 -> NullNode.getInstance();
            default -> {
                ObjectNode node = Json.object().put("width", random.nextInt(4096)).put("name", text()).put("ratio", random.nextDouble());
                node.putNull("none");
                node.putArray("sizes").add(1).add("two").add(3.5).add(Long.MAX_VALUE).add(false).add(Double.NaN)
                        .add(1.5f).add((short) 7).add(new java.math.BigDecimal("1.50E+3")).add(java.math.BigInteger.TEN.pow(30))
                        .add(new byte[] {1, 2, 3}).addPOJO(java.util.Map.of("pojo", 1)).addObject().put("nested", text());
                node.putArray("empty");
                node.putObject("nothing");
                yield node;
            }
        };
    }

    private String text() {
        if (random.nextInt(4) == 0) {
            return null;
        }
        String alphabet = "abcXYZ09/ _-.\"\\\n\t\r\b\f\u0000\u001f\u007f\u00e9\u20ac\uD83D\uDE00</>&'";
        StringBuilder text = new StringBuilder();
        for (int n = random.nextInt(24); n > 0; n--) {
            int at = random.nextInt(alphabet.length());
            char c = alphabet.charAt(at);
            if (Character.isHighSurrogate(c)) {
                text.append(c).append(alphabet.charAt(at + 1));
            } else if (!Character.isLowSurrogate(c)) {
                text.append(c);
            }
        }
        return text.toString();
    }
}
