package dev.deja.event;

/** A bucket event Deja cannot use; the message is the reason written to the dead-letter topic. */
public final class MalformedEventException extends Exception {

    public MalformedEventException(String reason) {
        super(reason);
    }

    public MalformedEventException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
