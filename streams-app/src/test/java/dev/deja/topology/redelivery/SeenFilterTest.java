package dev.deja.topology.redelivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SeenFilterTest {

    private static final long WINDOW = Duration.ofHours(1).toMillis();
    private static final long T0 = 1_795_000_000_000L;
    private static final MessageDigest SHA_256 = sha256();

    @Test
    void shouldKnowEveryIdItWasGivenWhenAGenerationOutgrowsOneBlock() {
        SeenFilter filter = new SeenFilter(WINDOW);
        int ids = 3 * SeenFilter.BLOCK_IDS + 17;

        IntStream.range(0, ids).forEach(i -> filter.add(hash(id(i)), T0 + i % 1000));

        assertThat(IntStream.range(0, ids).filter(i -> !filter.mightContain(hash(id(i)), T0 + i % 1000)).count())
                .as("stored ids the filter says were never stored").isZero();
        assertThat(filter.size()).isEqualTo(ids);
    }

    @Test
    void shouldSendFewNewIdsToTheStoreWhenFull() {
        SeenFilter filter = new SeenFilter(WINDOW);
        IntStream.range(0, 2 * SeenFilter.BLOCK_IDS).forEach(i -> filter.add(hash(id(i)), T0));

        long maybes = IntStream.range(0, 100_000).filter(i -> filter.mightContain(hash("new-" + id(i)), T0)).count();

        // Two full blocks, each ~1% false positives.
        assertThat(maybes).as("new ids the filter sends to the store").isLessThan(3_000);
    }

    @Test
    void shouldKeepFalsePositivesAndLookupsFewWhenAGenerationHoldsMillionsOfIds() {
        SeenFilter filter = new SeenFilter(WINDOW);
        int ids = 2_000_000;
        IntStream.range(0, ids).forEach(i -> filter.add(hash(id(i)), T0 + i % 1000));

        long maybes = IntStream.range(0, 100_000).filter(i -> filter.mightContain(hash("new-" + id(i)), T0)).count();

        // Blocks of a fixed size: 31 blocks here, and a new id found in any of them about 27% of the time.
        assertThat(maybes).as("new ids the filter sends to the store").isLessThan(3_000);
        assertThat(filter.blocks(T0)).as("blocks a lookup asks").isLessThanOrEqualTo(5);
    }

    @Test
    void shouldStartANewGenerationWithRoomForAsManyIdsAsTheLastOne() {
        SeenFilter filter = new SeenFilter(WINDOW);
        IntStream.range(0, 500_000).forEach(i -> filter.add(hash(id(i)), T0));
        long next = T0 + WINDOW / 2;

        IntStream.range(0, 500_000).forEach(i -> filter.add(hash("next-" + id(i)), next));

        assertThat(filter.blocks(next)).as("blocks of the second generation").isEqualTo(1);
        assertThat(filter.mightContain(hash("next-" + id(499_999)), next)).isTrue();
    }

    @Test
    void shouldForgetIdsOnlyOnceTheyAreOlderThanTheWindow() {
        SeenFilter filter = new SeenFilter(WINDOW);
        filter.add(hash("old"), T0);

        filter.add(hash("later"), T0 + WINDOW - 1);
        assertThat(filter.mightContain(hash("old"), T0)).as("within the window").isTrue();

        filter.add(hash("much later"), T0 + 2 * WINDOW);
        assertThat(filter.mightContain(hash("old"), T0)).as("past the window").isFalse();
        assertThat(filter.mightContain(hash("much later"), T0 + 2 * WINDOW)).isTrue();
    }

    @Test
    void shouldAnswerForTheEventTimeAsked() {
        SeenFilter filter = new SeenFilter(WINDOW);
        filter.add(hash("id"), T0);

        assertThat(filter.mightContain(hash("id"), T0 + WINDOW)).as("the same id at another event time is another event").isFalse();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String id(int i) {
        return "thumbnail@0.0.3#a1b2c3:9e107d9d372bb6826bd81d3542a419d6\u0000photos/cat-" + i + ".png#187A9E2C9B5D3A" + i;
    }

    /** The filter's hash of an id, as the seen-events store takes it: the first 64 bits of its SHA-256. */
    private static long hash(String id) {
        return ByteBuffer.wrap(SHA_256.digest(id.getBytes(StandardCharsets.UTF_8))).getLong();
    }
}
