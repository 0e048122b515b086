package dev.deja.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** The checkout's root directory, for tests that read its files (docs, docker/, scripts/, other modules' output). */
public final class RepoRoot {

    private RepoRoot() {
    }

    /** The nearest directory at or above the working directory that holds the parent pom and {@code streams-app/}. */
    public static Path path() {
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("pom.xml")) && Files.isRegularFile(dir.resolve("streams-app/pom.xml"))) {
                return dir;
            }
        }
        throw new AssertionError("no Deja checkout (pom.xml and streams-app/pom.xml) at or above " + start);
    }

    /** {@code relative} resolved against {@link #path()}. */
    public static Path resolve(String relative) {
        return path().resolve(relative);
    }
}
