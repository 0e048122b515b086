package dev.deja.invoke;

import static dev.deja.invoke.OpenWhiskFixtures.json;
import static dev.deja.invoke.OpenWhiskFixtures.settings;
import static dev.deja.invoke.OpenWhiskFixtures.success;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deja.serde.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** TLS towards an OpenWhisk with a self-signed certificate (as {@code openwhisk/standalone} has). */
class OpenWhiskClientTlsTest {

    private static final String STORE_PASSWORD = "test-only-store-password";

    private static Path dir;
    private static Path keyStoreFile;
    private static Path caFile;

    @StartStop
    final MockWebServer server = new MockWebServer();

    /** A self-signed certificate for localhost, made with the JDK's keytool. */
    @BeforeAll
    static void makeCertificate() throws Exception {
        // The build points java.io.tmpdir into target/, which may not exist yet.
        Path tmp = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        dir = Files.createTempDirectory(tmp, "openwhisk-tls");
        keyStoreFile = dir.resolve("openwhisk.p12");
        caFile = dir.resolve("openwhisk-ca.pem");
        keytool("-genkeypair", "-alias", "openwhisk", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                "-keystore", keyStoreFile.toString(), "-storetype", "PKCS12",
                "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "openwhisk", "-keystore", keyStoreFile.toString(),
                "-storepass", STORE_PASSWORD, "-file", caFile.toString());
    }

    @AfterAll
    static void deleteCertificate() throws IOException {
        if (dir != null) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(dir);
        }
    }

    @BeforeEach
    void serveHttps() throws Exception {
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStoreFile)) {
            keyStore.load(in, STORE_PASSWORD.toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(keyStore, STORE_PASSWORD.toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        server.useHttps(context.getSocketFactory());
        server.enqueue(json(200, success("tls-1", Json.object().put("ok", true))));
    }

    @Test
    void shouldRefuseUntrustedCertificateWhenNeitherCaFileNorInsecureIsSet() throws Exception {
        // given
        try (OpenWhiskClient client = new OpenWhiskClient(settings(server).build())) {

            // when
            CallResult call = client.invoke("thumbnail", Json.object(), true).get(5, TimeUnit.SECONDS);

            // then
            assertThat(call.kind()).isEqualTo(CallResult.Kind.TRANSIENT);
            assertThat(call.message()).containsIgnoringCase("SSL");
        }
    }

    @Test
    void shouldTrustCertificateWhenCaFileNamesIt() throws Exception {
        // given
        try (OpenWhiskClient client = new OpenWhiskClient(settings(server).caFile(caFile).build())) {

            // when
            CallResult call = client.invoke("thumbnail", Json.object(), true).get(5, TimeUnit.SECONDS);

            // then
            assertThat(call.kind()).isEqualTo(CallResult.Kind.SUCCESS);
            assertThat(call.activation().activationId()).isEqualTo("tls-1");
        }
    }

    @Test
    void shouldTrustAnyCertificateWhenInsecureIsChosen() throws Exception {
        // given
        try (OpenWhiskClient client = new OpenWhiskClient(settings(server).insecure(true).build())) {

            // when
            CallResult call = client.invoke("thumbnail", Json.object(), true).get(5, TimeUnit.SECONDS);

            // then
            assertThat(call.kind()).isEqualTo(CallResult.Kind.SUCCESS);
        }
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("keytool: %s", output).isZero();
    }
}
