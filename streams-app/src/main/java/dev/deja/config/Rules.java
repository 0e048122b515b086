package dev.deja.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.deja.serde.Json;
import dev.deja.model.DedupKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigException;

/**
 * Reads the rules from the configuration. {@code deja.rules} lists rule names; each rule
 * {@code NAME} has the keys {@code deja.rule.NAME.action} (required), {@code .bucket},
 * {@code .prefix}, {@code .suffix}, {@code .events} (comma-separated globs, default
 * {@code s3:ObjectCreated:*}) and {@code .params} (a JSON object, default {@code {}}).
 */
public final class Rules {

    public static final String RULE_PREFIX = "deja.rule.";
    public static final String DEFAULT_EVENTS = "s3:ObjectCreated:*";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Pattern ACTION = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_@.\\- ]*(/[A-Za-z0-9_][A-Za-z0-9_@.\\- ]*)?");
    private static final Pattern EVENT_GLOB = Pattern.compile("s3:[A-Za-z*]+(:[A-Za-z*]+)?");

    private Rules() {
    }

    /** The rules named in {@code names}, validated; a bad value fails with the key that holds it. */
    public static List<Rule> parse(List<String> names, Map<String, ?> originals) {
        List<Rule> rules = new ArrayList<>();
        for (String name : names) {
            if (!NAME.matcher(name).matches()) {
                throw new ConfigException(DejaConfig.RULES_CONFIG, name,
                        "a rule name uses letters, digits, '-' and '_' only");
            }
            String action = string(originals, name, "action", null);
            if (action == null || action.isBlank()) {
                throw new ConfigException(key(name, "action"), action, "every rule needs an action name");
            }
            if (!ACTION.matcher(action).matches()) {
                throw new ConfigException(key(name, "action"), action,
                        "an action is NAME or PACKAGE/NAME (letters, digits, '_', '-', '.', '@')");
            }
            List<String> events = new ArrayList<>();
            for (String glob : string(originals, name, "events", DEFAULT_EVENTS).split(",")) {
                String trimmed = glob.trim();
                if (!EVENT_GLOB.matcher(trimmed).matches()) {
                    throw new ConfigException(key(name, "events"), trimmed,
                            "an event pattern looks like s3:ObjectCreated:* or s3:ObjectRemoved:Delete");
                }
                events.add(trimmed);
            }
            JsonNode params = params(name, string(originals, name, "params", "{}"));
            String bucket = string(originals, name, "bucket", null);
            rules.add(new Rule(name, action, bucket == null || bucket.isBlank() ? null : bucket,
                    string(originals, name, "prefix", ""), string(originals, name, "suffix", ""),
                    List.copyOf(events), params, DedupKey.paramsHash(canonical(params))));
        }
        return List.copyOf(rules);
    }

    private static JsonNode params(String name, String text) {
        JsonNode params;
        try {
            params = Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            // The text may hold credentials for the action: name the place, never the content.
            JsonLocation at = e.getLocation();
            throw new ConfigException(key(name, "params"), "(not shown)", "not JSON"
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        }
        if (params == null || !params.isObject()) {
            throw new ConfigException(key(name, "params"), "(not shown)", "must be a JSON object");
        }
        return params;
    }

    /** The parameters' JSON with keys sorted at every level, so equal parameters hash equally. */
    static String canonical(JsonNode params) {
        try {
            Object tree = Json.MAPPER.treeToValue(params, Object.class);
            return Json.MAPPER.writer().with(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).writeValueAsString(tree);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String string(Map<String, ?> originals, String rule, String field, String fallback) {
        Object value = originals.get(key(rule, field));
        return value == null ? fallback : value.toString();
    }

    static String key(String rule, String field) {
        return RULE_PREFIX + rule + "." + field;
    }

    /** Rule keys must belong to a listed rule: a typo fails instead of being ignored. */
    static void checkNoStrayRuleKeys(List<String> names, Map<String, ?> originals) {
        List<String> fields = Arrays.asList("action", "bucket", "prefix", "suffix", "events", "params");
        for (String key : originals.keySet()) {
            if (!key.startsWith(RULE_PREFIX)) {
                continue;
            }
            String rest = key.substring(RULE_PREFIX.length());
            int dot = rest.lastIndexOf('.');
            String rule = dot < 0 ? rest : rest.substring(0, dot);
            String field = dot < 0 ? "" : rest.substring(dot + 1);
            if (!names.contains(rule)) {
                throw new ConfigException(key, "(not shown)", "rule '" + rule + "' is not listed in " + DejaConfig.RULES_CONFIG);
            }
            if (!fields.contains(field)) {
                throw new ConfigException(key, "(not shown)", "unknown rule field; known: " + fields);
            }
        }
    }

}
