package dev.deja.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deja.model.S3Object;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
        String paramsHash,
        EventNames eventNames) {

    public Rule {
        eventNames = eventNames == null ? new EventNames(globs(events)) : eventNames;
    }

    public Rule(String name, String action, String bucket, String prefix, String suffix, List<String> events,
            JsonNode params, String paramsHash) {
        this(name, action, bucket, prefix, suffix, events, params, paramsHash, null);
    }

    public boolean matches(S3Object object) {
        return (bucket == null || bucket.equals(object.bucket()))
                && object.key().startsWith(prefix)
                && object.key().endsWith(suffix)
                && eventNames.matches(object.eventName());
    }

    /**
     * The event-name globs as one pattern, with the answer for each name seen kept: MinIO sends a few dozen
     * names, so the pattern runs once per name, not once per event.
     */
    public static final class EventNames {

        private static final int MAX_KEPT = 256;

        private final Pattern pattern;
        private final Map<String, Boolean> answers = new ConcurrentHashMap<>();

        EventNames(Pattern pattern) {
            this.pattern = pattern;
        }

        public boolean matches(String eventName) {
            Boolean known = answers.get(eventName);
            if (known != null) {
                return known;
            }
            boolean matches = pattern.matcher(eventName).matches();
            if (answers.size() < MAX_KEPT) {
                answers.put(eventName, matches);
            }
            return matches;
        }

        @Override
        public String toString() {
            return pattern.pattern();
        }
    }

    /** One pattern for the event-name globs ({@code *} matches any run of characters). */
    static Pattern globs(List<String> globs) {
        StringBuilder regex = new StringBuilder();
        for (String glob : globs) {
            if (!regex.isEmpty()) {
                regex.append('|');
            }
            StringBuilder one = new StringBuilder();
            for (String part : glob.split("\\*", -1)) {
                if (!one.isEmpty()) {
                    one.append(".*");
                }
                one.append(Pattern.quote(part));
            }
            regex.append("(?:").append(one).append(')');
        }
        return Pattern.compile(regex.toString());
    }
}
