package dev.deja.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StatusKindTest {

    @ParameterizedTest
    @CsvSource({
        "9e107d9d372bb6826bd81d3542a419d6, MD5",
        "9E107D9D372BB6826BD81D3542A419D6, MD5",
        "thumbnail@0.0.3#a1b2c3:9e107d9d372bb6826bd81d3542a419d6, DEDUP_KEY",
        "images/thumbnail@0.0.3#a1b2c3:9e107d9d372bb6826bd81d3542a419d6, DEDUP_KEY",
        "photos/holiday/beach.png, OBJECT",
        "photos/me@home.png, OBJECT"
    })
    void shouldTellWhatTheArgumentNamesWhenClassifying(String target, Status.Kind expected) {
        // when / then
        assertThat(Status.Kind.of(target)).isEqualTo(expected);
    }
}
