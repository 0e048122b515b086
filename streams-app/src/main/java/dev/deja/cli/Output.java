package dev.deja.cli;

import java.io.PrintWriter;
import java.util.function.Consumer;

/** Progress lines of long commands (replay, mirror rebuild; the devstack's demo and bench), shown as they come. */
public final class Output {

    private Output() {
    }

    public static Consumer<String> lines(PrintWriter out) {
        return line -> {
            out.println(line);
            out.flush();
        };
    }
}
