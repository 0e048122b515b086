package dev.deja.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deja.event.S3Object;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Maps events to an action, as an OpenWhisk rule maps a trigger to an action: an event matches
 * when its bucket (null: any), key prefix and suffix, and event name (one of {@code events},
 * {@code *} globs) all match. {@code params} are the static parameters, merged into the call.
 */
public record Rule(
        String name,
        String action,
        String bucket,
        String prefix,
        String suffix,
        List<String> events,
        JsonNode params,
        String paramsHash) {

    public boolean matches(S3Object object) {
        return (bucket == null || bucket.equals(object.bucket()))
                && object.key().startsWith(prefix)
                && object.key().endsWith(suffix)
                && events.stream().anyMatch(glob -> globMatches(glob, object.eventName()));
    }

    /** Whether an event-name glob ({@code *} matches any run of characters) matches a name. */
    static boolean globMatches(String glob, String name) {
        StringBuilder regex = new StringBuilder();
        for (String part : glob.split("\\*", -1)) {
            if (!regex.isEmpty()) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(part));
        }
        return Pattern.matches(regex.toString(), name);
    }
}
