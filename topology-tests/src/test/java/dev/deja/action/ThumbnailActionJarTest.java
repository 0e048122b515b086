package dev.deja.action;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deja.local.LocalS3;
import dev.deja.local.SampleImages;
import dev.deja.testing.RepoRoot;
import io.minio.MakeBucketArgs;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar users deploy with {@code wsk action create}: what OpenWhisk's Java runtime (Java 8, 48 MB
 * code limit, Gson provided) can take, and the action working from it alone.
 */
class ThumbnailActionJarTest {

    private static final long OPENWHISK_CODE_LIMIT = 48L * 1024 * 1024;
    private static final int JAVA_8 = 52;

    @TempDir
    Path dir;

    private static Path jar() {
        Path jar = RepoRoot.resolve("thumbnail-action/target/thumbnail-action.jar");
        assertThat(jar).as("built by 'mvn package' (scripts/test runs 'mvn verify')").exists();
        return jar;
    }

    @Test
    void shouldFitOpenWhisksJavaRuntimeWhenPackaged() throws Exception {
        Path jar = jar();

        assertThat(Files.size(jar)).isLessThan(OPENWHISK_CODE_LIMIT);
        try (JarFile file = new JarFile(jar.toFile())) {
            assertThat(file.getEntry("dev/deja/action/ThumbnailAction.class")).isNotNull();
            assertThat(file.getEntry("com/google/gson/JsonObject.class")).as("Gson comes with the runtime").isNull();
            for (Enumeration<JarEntry> entries = file.entries(); entries.hasMoreElements(); ) {
                JarEntry entry = entries.nextElement();
                if (entry.getName().endsWith(".class")) {
                    try (InputStream in = file.getInputStream(entry)) {
                        byte[] header = in.readNBytes(8);
                        assertThat(header[7]).as(entry.getName()).isLessThanOrEqualTo((byte) JAVA_8);
                    }
                }
            }
        }
    }

    @Test
    void shouldMakeAThumbnailWhenRunFromTheJarAlone() throws Exception {
        try (LocalS3 s3 = LocalS3.start(dir.resolve("s3"))) {
            byte[] image = SampleImages.generate(1, 8).get(0);
            s3.client().makeBucket(MakeBucketArgs.builder().bucket("photos").build());
            s3.client().putObject(PutObjectArgs.builder().bucket("photos").object("cat.png")
                    .data(image, image.length).build());
            URL gson = com.google.gson.JsonObject.class.getProtectionDomain().getCodeSource().getLocation();
            try (URLClassLoader isolated = new URLClassLoader(new URL[] {jar().toUri().toURL(), gson},
                    ClassLoader.getPlatformClassLoader())) {
                Class<?> parser = isolated.loadClass("com.google.gson.JsonParser");
                Object args = parser.getMethod("parseString", String.class).invoke(null, "{\"bucket\":\"photos\",\"key\":\"cat.png\","
                        + "\"maxWidth\":64,\"outputBucket\":\"thumbs\",\"s3Endpoint\":\"" + s3.endpoint() + "\","
                        + "\"s3AccessKey\":\"" + s3.accessKey() + "\",\"s3SecretKey\":\"" + s3.secretKey() + "\"}");
                Class<?> action = isolated.loadClass("dev.deja.action.ThumbnailAction");
                assertThat(action.getClassLoader()).isSameAs(isolated);
                Method main = action.getMethod("main", isolated.loadClass("com.google.gson.JsonObject"));

                String result = main.invoke(null, args.getClass().getMethod("getAsJsonObject").invoke(args)).toString();

                assertThat(result).contains("\"thumbnail\":\"s3://thumbs/thumbs/", "\"width\":64").doesNotContain("error");
                String key = result.replaceAll(".*s3://thumbs/([^\"]+)\".*", "$1");
                assertThat(s3.client().statObject(StatObjectArgs.builder().bucket("thumbs").object(key).build()).size())
                        .isPositive();
            }
        }
    }
}
