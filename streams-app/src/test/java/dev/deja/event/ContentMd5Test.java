package dev.deja.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deja.model.S3Object;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ContentMd5Test {

    @ParameterizedTest
    @ValueSource(strings = {"9e107d9d372bb6826bd81d3542a419d6", "9E107D9D372BB6826BD81D3542A419D6"})
    void shouldTakeAnETagOf32HexDigitsAsTheContentMd5InLowerCase(String eTag) {
        assertThat(ContentMd5.fromETag(object(eTag, false))).contains("9e107d9d372bb6826bd81d3542a419d6");
    }

    @ParameterizedTest
    @ValueSource(strings = {"9e107d9d372bb6826bd81d3542a419d6-2", "9e107d9d372bb6826bd81d3542a419d", "9e107d9d372bb6826bd81d3542a419dg",
        "9e107d9d372bb6826bd81d3542a419d6 ", "", "9e107d9d372bb6826bd81d3542a419d\u0666"})
    void shouldHashWhenTheETagIsNotAnMd5(String eTag) {
        assertThat(ContentMd5.fromETag(object(eTag, false))).isEmpty();
    }

    @Test
    void shouldHashAnEncryptedObjectWhateverItsETag() {
        assertThat(ContentMd5.fromETag(object("9e107d9d372bb6826bd81d3542a419d6", true))).isEmpty();
    }

    private static S3Object object(String eTag, boolean encrypted) {
        return new S3Object("photos", "cat.png", "s3:ObjectCreated:Put", "2026-11-23T10:15:31.000Z", "187A9E2C9B5D3A10",
                eTag, 1234L, null, "image/png", encrypted);
    }
}
