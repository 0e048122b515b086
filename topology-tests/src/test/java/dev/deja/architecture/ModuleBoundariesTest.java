package dev.deja.architecture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.deja.config.DejaConfig;
import dev.deja.local.LocalStack;
import dev.deja.testing.RepoRoot;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The modules' and packages' boundaries, read from the class files: what each class references
 * (its constant pool's classes, and every type in its descriptors and signatures). Production
 * ({@code streams-app}) holds nothing of the devstack, the demo action, the embedded broker,
 * s3proxy or the chart library, in its classes or its {@code deja.jar}; inside it, arrows point
 * down: {@code model} references no other Deja package, {@code config} not {@code topology}, and
 * {@code topology} (with its store packages) neither {@code ops}, {@code invoke}, {@code app},
 * {@code mirror} nor {@code cli}.
 */
class ModuleBoundariesTest {

    /**
     * What production never references or ships, as class-file name prefixes: the devstack, the demo
     * action, the broker (its Scala core, {@code kafka/server/} and the rest of {@code kafka/}, and
     * Scala), s3proxy and xchart.
     */
    private static final List<String> NOT_PRODUCTION = List.of("dev/deja/local/", "dev/deja/bench/", "dev/deja/devstack/",
            "dev/deja/action/", "kafka/", "scala/", "org/gaul/", "org/knowm/");
    private static final Pattern TYPE_IN_DESCRIPTOR = Pattern.compile("L([A-Za-z0-9_$/]+)[;<]");

    private static final Map<String, Set<String>> PRODUCTION = references(classesOf(DejaConfig.class));

    @Test
    void shouldReadProductionsClassesAndWhatTheyReference() {
        assertThat(PRODUCTION).containsKeys("dev/deja/cli/Deja", "dev/deja/model/DedupKey", "dev/deja/topology/DejaTopology");
        assertThat(PRODUCTION.get("dev/deja/cli/Deja")).contains("picocli/CommandLine", "dev/deja/cli/RunCommand");
        assertThat(references(classesOf(LocalStack.class)).get("dev/deja/local/LocalStack"))
                .as("a devstack class, read the same way").contains("dev/deja/local/EmbeddedKafka", "dev/deja/config/DejaConfig");
    }

    @Test
    void shouldReferenceNothingOfTheDevstackBrokerS3proxyOrChartsWhenProductionsClassesAreRead() {
        Map<String, Set<String>> violations = new TreeMap<>();
        PRODUCTION.forEach((type, references) -> references.stream().filter(ModuleBoundariesTest::notProduction)
                .forEach(reference -> violations.computeIfAbsent(type, t -> new TreeSet<>()).add(reference)));

        assertThat(violations).as("production classes referencing what only the devstack has").isEmpty();
        assertThat(PRODUCTION.keySet()).noneMatch(ModuleBoundariesTest::notProduction);
    }

    @ParameterizedTest(name = "{0} references none of {1}")
    @CsvSource(delimiter = '|', value = {
        "dev/deja/model/    | dev/deja/",
        "dev/deja/config/   | dev/deja/topology/",
        "dev/deja/topology/ | dev/deja/ops/ dev/deja/invoke/ dev/deja/app/ dev/deja/mirror/ dev/deja/cli/"})
    void shouldPointArrowsDownWhenAPackageReferencesAnother(String from, String forbidden) {
        List<String> prefixes = List.of(forbidden.split(" "));
        Map<String, Set<String>> violations = new TreeMap<>();
        PRODUCTION.forEach((type, references) -> {
            if (type.startsWith(from)) {
                references.stream()
                        .filter(reference -> !reference.startsWith(from))
                        .filter(reference -> prefixes.stream().anyMatch(reference::startsWith))
                        .forEach(reference -> violations.computeIfAbsent(type, t -> new TreeSet<>()).add(reference));
            }
        });

        assertThat(PRODUCTION.keySet()).anyMatch(type -> type.startsWith(from));
        assertThat(violations).as("classes of %s referencing %s", from, forbidden).isEmpty();
    }

    @Test
    void shouldShipNothingOfTheDevstackBrokerS3proxyOrChartsWhenDejaJarIsBuilt() throws IOException {
        Path jar = RepoRoot.resolve("streams-app/target/deja.jar");
        assumeTrue(Files.isRegularFile(jar), "streams-app/target/deja.jar not built: 'mvn verify' (scripts/test) builds it");
        List<String> shipped = new ArrayList<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            // kafka-clients and kafka-streams keep their version files under kafka/: no class there.
            zip.stream().map(entry -> entry.getName())
                    .filter(name -> notProduction(name) && !name.equals("kafka/") && !name.matches("kafka/kafka-[a-z-]+\\.properties"))
                    .forEach(shipped::add);
            assertThat(zip.getEntry("dev/deja/cli/Deja.class")).isNotNull();
        }

        assertThat(shipped).as("entries of deja.jar only the devstack needs").isEmpty();
    }

    private static boolean notProduction(String name) {
        return NOT_PRODUCTION.stream().anyMatch(name::startsWith);
    }

    /** The class files of the module (classes directory or jar) that {@code type} was loaded from. */
    private static Map<String, byte[]> classesOf(Class<?> type) {
        try {
            Path location = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isDirectory(location)) {
                return classFiles(location);
            }
            try (FileSystem jar = FileSystems.newFileSystem(location)) {
                return classFiles(jar.getPath("/"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, byte[]> classFiles(Path root) throws IOException {
        Map<String, byte[]> classes = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = root.relativize(file).toString().replace('\\', '/');
                if (!name.startsWith("META-INF/")) {
                    classes.put(name.substring(0, name.length() - ".class".length()), Files.readAllBytes(file));
                }
            }
        }
        return classes;
    }

    private static Map<String, Set<String>> references(Map<String, byte[]> classes) {
        Map<String, Set<String>> references = new TreeMap<>();
        classes.forEach((name, bytes) -> references.put(name, referencedTypes(name, bytes)));
        return references;
    }

    /**
     * The types a class file names: its constant pool's class entries and the types in every other
     * UTF-8 entry that is not a string literal (field, method and annotation descriptors, and
     * generic signatures).
     */
    static Set<String> referencedTypes(String name, byte[] classFile) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
            if (in.readInt() != 0xCAFEBABE) {
                throw new IllegalStateException(name + " is not a class file");
            }
            in.readUnsignedShort();
            in.readUnsignedShort();
            int count = in.readUnsignedShort();
            String[] utf8 = new String[count];
            Set<Integer> classNames = new TreeSet<>();
            Set<Integer> literals = new TreeSet<>();
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> utf8[i] = in.readUTF();
                    case 7 -> classNames.add(in.readUnsignedShort());
                    case 8 -> literals.add(in.readUnsignedShort());
                    case 16, 19, 20 -> in.readUnsignedShort();
                    case 15 -> in.skipBytes(3);
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> in.readInt();
                    case 5, 6 -> {
                        in.readLong();
                        i++;
                    }
                    default -> throw new IllegalStateException(name + ": constant pool tag " + tag);
                }
            }
            Set<String> types = new TreeSet<>();
            for (int i = 1; i < count; i++) {
                if (utf8[i] == null || literals.contains(i)) {
                    continue;
                }
                if (classNames.contains(i) && !utf8[i].startsWith("[")) {
                    types.add(utf8[i]);
                }
                Matcher descriptor = TYPE_IN_DESCRIPTOR.matcher(utf8[i]);
                while (descriptor.find()) {
                    types.add(descriptor.group(1));
                }
            }
            types.remove(name);
            return types;
        } catch (IOException e) {
            throw new UncheckedIOException(name, e);
        }
    }
}
