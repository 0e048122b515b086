package dev.deja.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The CouchDB password stays out of printed settings and of errors; no server needed. */
class CouchSettingsTest {

    private static final String USER = "deja";
    private static final String PASSWORD = "c0rrect-h0rse-b4ttery-5taple";

    static String stackTrace(Throwable error) {
        StringWriter text = new StringWriter();
        error.printStackTrace(new PrintWriter(text));
        return text.toString();
    }

    @Test
    void shouldKeepPasswordOutOfErrorWhenServerIsUnreachable() throws IOException {
        // given: a port nobody listens on
        CouchSettings settings = CouchSettings.of("http://127.0.0.1:" + PouchServer.freePort(), "db", USER, PASSWORD)
                .withRequestTimeout(Duration.ofSeconds(2));
        CouchClient couch = new CouchClient(settings);

        // when
        CouchException error = catchThrowableOfType(CouchException.class, couch::ensureDatabase);

        // then
        assertThat(error.status()).isZero();
        assertThat(error.isTransient()).isTrue();
        assertThat(error.getMessage()).contains("failed", "Connect");
        assertThat(stackTrace(error)).doesNotContain(PASSWORD);
        assertThat(couch.ping()).isFalse();
    }

    @Test
    void shouldHidePasswordWhenSettingsArePrinted() {
        // given
        CouchSettings settings = CouchSettings.of("http://couch:5984", "deja", USER, PASSWORD);

        // when
        String printed = settings.toString();

        // then
        assertThat(printed).contains("username=deja", "password=****").doesNotContain(PASSWORD);
    }

    @Test
    void shouldRejectUrlWhenItCarriesCredentials() {
        assertThatThrownBy(() -> CouchSettings.of("http://deja:" + PASSWORD + "@couch:5984", "deja", null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .message().doesNotContain(PASSWORD);
    }
}
