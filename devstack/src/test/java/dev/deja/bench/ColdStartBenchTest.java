package dev.deja.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Scenario 8's variants of Deja added by DEJA_BENCH_COLD_VARIANTS, for trying JVM flags side by side. */
class ColdStartBenchTest {

    @Test
    void shouldAddAVariantOfDejaPerEntryWhenGivenKeysAndFlags() {
        List<ColdStartBench.Variant> variants = ColdStartBench.extraVariants(
                "inline9=-XX:MaxInlineLevel=9; small_code = -XX:InlineSmallCode=1000  -XX:MaxNodeLimit=40000;");

        assertThat(variants).containsExactly(
                new ColdStartBench.Variant("deja_x_inline9", "Deja, -XX:MaxInlineLevel=9", true,
                        List.of("-XX:MaxInlineLevel=9")),
                new ColdStartBench.Variant("deja_x_small_code", "Deja, -XX:InlineSmallCode=1000  -XX:MaxNodeLimit=40000",
                        true, List.of("-XX:InlineSmallCode=1000", "-XX:MaxNodeLimit=40000")));
        assertThat(ColdStartBench.extraVariants("")).isEmpty();
        assertThat(ColdStartBench.extraVariants("c1=-XX:TieredStopAtLevel=1").get(0).key())
                .as("never a built-in variant's key").isNotEqualTo(ColdStartBench.DEJA_C1);
    }

    @Test
    void shouldNameTheKeyWhenItIsGivenTwice() {
        assertThatThrownBy(() -> ColdStartBench.extraVariants("a=-XX:MaxInlineLevel=9;a=-XX:MaxInlineLevel=12"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(ColdStartBench.VARIANTS_ENV)
                .hasMessageContaining("\"a\" is given twice");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-XX:MaxInlineLevel=9", "Inline=-XX:MaxInlineLevel=9", "inline=", "=-Xint"})
    void shouldNameTheVariableAndTheEntryWhenAnEntryIsNotKeyEqualsFlags(String entry) {
        assertThatThrownBy(() -> ColdStartBench.extraVariants("c1=-XX:TieredStopAtLevel=1;" + entry))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(ColdStartBench.VARIANTS_ENV)
                .hasMessageContaining("\"" + entry + "\"");
    }
}
