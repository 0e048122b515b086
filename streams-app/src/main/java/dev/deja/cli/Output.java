package dev.deja.cli;

import java.io.PrintWriter;
import java.util.function.Consumer;

/** Progress lines of long commands (demo, bench, replay, mirror rebuild), shown as they come. */
final class Output {

    private Output() {
    }

    static Consumer<String> lines(PrintWriter out) {
        return line -> {
            out.println(line);
            out.flush();
        };
    }
}
