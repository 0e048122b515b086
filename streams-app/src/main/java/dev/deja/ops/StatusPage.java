package dev.deja.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deja.model.Outcome;
import dev.deja.model.OutputRecord;
import dev.deja.serde.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The live status page of one process: {@code /} (the page), {@code /status.js} and {@code /status.css} (its
 * assets, in the jar), {@code /status.json} (what the page polls) and {@code /outputs/{bucket/object}} (the
 * object's latest output under each rule). It shows counters, this process's last hour, its latest outputs and
 * dead-letter reasons: no configuration, no credentials. Results are shown as the output record carries them
 * (as {@code /entries} does); a result naming an {@code http(s)} object without credentials in its address
 * becomes a link, an {@code s3://} one stays text (the page has no right to read the bucket).
 */
public final class StatusPage {

    /** The window of the page's second column. */
    public static final Duration WINDOW = Duration.ofMinutes(5);
    static final int MAX_SHOWN_CHARS = 200;

    private final DejaMetrics metrics;
    private final StatusHistory history;
    private final Supplier<Map<String, KafkaStreams.State>> states;
    private final Function<String, List<OutputRecord>> outputsOnTopic;

    /**
     * @param outputsOnTopic the latest outputs of {@code bucket/object} read from the output topic, for objects
     *     this process has not answered lately
     */
    public StatusPage(DejaMetrics metrics, StatusHistory history, Supplier<Map<String, KafkaStreams.State>> states,
            Function<String, List<OutputRecord>> outputsOnTopic) {
        this.metrics = metrics;
        this.history = history;
        this.states = states;
        this.outputsOnTopic = outputsOnTopic;
    }

    /** A static asset of the page: {@code status.html}, {@code status.js} or {@code status.css}. */
    static byte[] asset(String name) {
        try (InputStream in = StatusPage.class.getResourceAsStream("/dev/deja/ops/" + name)) {
            if (in == null) {
                throw new IllegalStateException("status page asset " + name + " missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What {@code /status.json} answers at {@code nowMs}. */
    public ObjectNode json(long nowMs) {
        DejaMetrics.Totals totals = metrics.totals();
        StatusHistory.Sample baseline = history.baseline(nowMs, WINDOW);
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("timeMs", nowMs);
        body.put("version", DejaMetrics.version());
        body.put("slaTargetMs", metrics.slaTarget().toMillis());
        body.put("sampleSeconds", StatusHistory.PERIOD.toSeconds());
        ObjectNode applications = body.putObject("applications");
        states.get().forEach((name, state) -> applications.put(name, state.name()));
        body.set("sinceStart", figures(totals, zero()));
        ObjectNode window = figures(totals, baseline.totals());
        window.put("seconds", Math.max(0, (nowMs - baseline.timeMs()) / 1000));
        body.set("window", window);
        double inFlight = metrics.inFlight();
        if (inFlight >= 0) {
            body.put("inFlight", inFlight);
        }
        body.put("breaker", metrics.breakerState());
        ArrayNode samples = body.putArray("history");
        List<StatusHistory.Sample> kept = history.samples();
        // each point holds its interval's uploads: the first needs the sample before it (the start, until the ring wraps)
        DejaMetrics.Totals previous = kept.size() < StatusHistory.SAMPLES ? history.startSample().totals() : null;
        for (StatusHistory.Sample sample : kept) {
            if (previous != null) {
                ObjectNode node = samples.addObject().put("timeMs", sample.timeMs());
                ObjectNode uploads = node.putObject("uploads");
                for (Outcome outcome : Outcome.values()) {
                    uploads.put(outcome.name(), StatusHistory.uploads(previous, sample.totals(), outcome));
                }
                putNumber(node, "p50Ms", sample.p50Ms());
                putNumber(node, "p99Ms", sample.p99Ms());
                if (sample.inFlight() >= 0) {
                    node.put("inFlight", sample.inFlight());
                }
                node.put("breaker", sample.breaker());
            }
            previous = sample.totals();
        }
        ArrayNode recent = body.putArray("recent");
        for (RecentActivity.Answer answer : metrics.recent().answers()) {
            recent.add(answer(answer.timeMs(), answer.output()));
        }
        ArrayNode rejections = body.putArray("deadLetters");
        for (RecentActivity.Rejection rejection : metrics.recent().rejections()) {
            rejections.addObject().put("timeMs", rejection.timeMs()).put("reason", cut(rejection.reason()));
        }
        return body;
    }

    /** What {@code /outputs/{path}} answers: the latest output of the object under each rule, newest first. */
    public ArrayNode outputs(String path) {
        Map<String, OutputRecord> byRule = new LinkedHashMap<>();
        for (RecentActivity.Answer answer : metrics.recent().answers()) {
            OutputRecord output = answer.output();
            if (output.object() != null && path.equals(output.object().path())) {
                byRule.putIfAbsent(output.rule(), output);
            }
        }
        if (byRule.isEmpty()) {
            outputsOnTopic.apply(path).forEach(output -> byRule.putIfAbsent(output.rule(), output));
        }
        ArrayNode found = Json.MAPPER.createArrayNode();
        byRule.values().forEach(output -> found.add(Json.MAPPER.valueToTree(output)));
        return found;
    }

    private static DejaMetrics.Totals zero() {
        Map<Outcome, Long> none = new java.util.EnumMap<>(Outcome.class);
        for (Outcome outcome : Outcome.values()) {
            none.put(outcome, 0L);
        }
        return new DejaMetrics.Totals(none, 0, 0, 0, 0, 0);
    }

    private static ObjectNode figures(DejaMetrics.Totals now, DejaMetrics.Totals from) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        long uploads = now.uploadCount() - from.uploadCount();
        long saved = now.saved() - from.saved();
        long withinSla = now.withinSla() - from.withinSla();
        node.put("uploads", uploads);
        ObjectNode outcomes = node.putObject("outcomes");
        for (Outcome outcome : Outcome.values()) {
            outcomes.put(outcome.name(), StatusHistory.uploads(from, now, outcome));
        }
        node.put("invocations", now.invocationsRequested() - from.invocationsRequested());
        node.put("saved", saved);
        node.put("computeSavedSeconds", now.computeSavedSeconds() - from.computeSavedSeconds());
        node.put("deadLetters", now.deadLetters() - from.deadLetters());
        if (uploads > 0) {
            node.put("hitRatio", (double) saved / uploads);
            node.put("slaShare", (double) withinSla / uploads);
        }
        return node;
    }

    private static ObjectNode answer(long timeMs, OutputRecord output) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("timeMs", timeMs);
        node.put("object", output.object() == null ? null : output.object().path());
        node.put("rule", output.rule());
        node.put("outcome", output.outcome() == null ? null : output.outcome().name());
        node.put("latencyMs", output.latencyMs());
        node.put("dedupKey", output.dedupKey());
        node.put("contentMd5", output.contentMd5());
        if (output.error() != null) {
            node.put("error", cut(output.error()));
        }
        String named = output.resultRef() != null ? output.resultRef() : namedObject(output.result());
        if (named != null) {
            node.put("resultObject", cut(named));
            if (safeLink(named)) {
                node.put("link", named);
            }
        } else if (output.result() != null && !output.result().isNull()) {
            node.put("result", cut(output.result().toString()));
        }
        return node;
    }

    /** The first text field of a result that names an object ({@code s3://}, {@code http://}, {@code https://}). */
    static String namedObject(JsonNode result) {
        if (result == null || !result.isObject()) {
            return null;
        }
        for (Iterator<JsonNode> values = result.elements(); values.hasNext(); ) {
            JsonNode value = values.next();
            if (value.isTextual()) {
                String text = value.asText();
                if (text.startsWith("s3://") || text.startsWith("http://") || text.startsWith("https://")) {
                    return text;
                }
            }
        }
        return null;
    }

    /**
     * Whether an address may be a link on the page: {@code http(s)} with no user info and no query (a presigned
     * URL carries a signature in its query: a credential, shown to nobody).
     */
    static boolean safeLink(String address) {
        try {
            URI uri = URI.create(address);
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null
                    && uri.getRawUserInfo() == null && uri.getRawQuery() == null && uri.getRawFragment() == null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void putNumber(ObjectNode node, String name, double value) {
        if (!Double.isNaN(value)) {
            node.put(name, Math.round(value));
        }
    }

    private static String cut(String text) {
        return text == null || text.length() <= MAX_SHOWN_CHARS ? text : text.substring(0, MAX_SHOWN_CHARS - 1) + "…";
    }
}
