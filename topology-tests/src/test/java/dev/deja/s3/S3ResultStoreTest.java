package dev.deja.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deja.local.LocalS3;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class S3ResultStoreTest {

    private static LocalS3 s3;

    @BeforeAll
    static void startS3() {
        s3 = LocalS3.start(null);
    }

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    @Test
    void shouldRoundTripLargeResultWhenStoredByContent() {
        // given
        S3ResultStore store = new S3ResultStore(s3.client(), "deja-results");
        byte[] json = largeJson(900 * 1024);
        // when
        String ref = store.put(json);
        String again = store.put(json.clone());
        // then
        assertThat(ref).isEqualTo("s3://deja-results/results/" + S3ResultStore.sha256Hex(json) + ".json");
        assertThat(again).isEqualTo(ref);
        assertThat(store.get(ref)).isEqualTo(json);
    }

    @Test
    void shouldFailWithObjectMissingWhenReferenceIsUnknown() {
        // given
        S3ResultStore store = new S3ResultStore(s3.client(), "deja-results");
        store.put("{}".getBytes(StandardCharsets.UTF_8));
        // when / then
        assertThatThrownBy(() -> store.get("s3://deja-results/results/0000.json"))
                .isInstanceOf(ObjectMissingException.class);
        assertThatThrownBy(() -> store.get("http://elsewhere/x"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static byte[] largeJson(int size) {
        StringBuilder json = new StringBuilder("{\"items\":[");
        for (int i = 0; json.length() < size; i++) {
            json.append(i == 0 ? "" : ",").append("{\"i\":").append(i).append(",\"label\":\"thumbnail ").append(i)
                    .append("\"}");
        }
        return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }
}
