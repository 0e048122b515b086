package dev.deja.invoke;

/** Current version of an OpenWhisk action, as OpenWhisk reports it. Never does I/O on the caller's thread. */
@FunctionalInterface
public interface ActionVersionSource {

    /**
     * @param action action name as the rules spell it ({@code name} or {@code pkg/name})
     * @return the last known version, or {@code null} when the action's version is not known
     */
    String versionOf(String action);
}
