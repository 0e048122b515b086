package dev.deja.ops;

import dev.deja.invoke.CircuitBreaker;
import dev.deja.invoke.Invoker;
import dev.deja.invoke.OpenWhiskClient;
import dev.deja.mirror.Mirror;
import dev.deja.model.Outcome;
import dev.deja.model.OutputRecord;
import dev.deja.topology.TopologyMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The figures a user asks of Deja, as Micrometer meters rendered at {@code /metrics} in Prometheus
 * conventions: base units (seconds), counters for everything a ratio is computed from (Prometheus
 * divides rates; no since-start ratio gauges), states as labels, {@code rule} and {@code action}
 * labels on what uploads count. The metric table in {@code docs/operations.md} lists each name.
 */
public final class DejaMetrics implements TopologyMetrics {

    /** Label values for a series that no rule or action names (an upload always has both). */
    private static final String UNKNOWN = "unknown";

    private final MeterRegistry registry;
    private final Counter eventsIn;
    private final Counter deadLetters;
    private final Counter redeliveries;
    private final Counter invocationsRequested;
    private final Timer callLatency;
    private final DistributionSummary callsPerInvocation;
    private final Duration slaTarget;
    /** By rule, then action. */
    private final Map<String, Map<String, RuleMeters>> ruleMeters = new ConcurrentHashMap<>();
    private final RecentActivity recent = new RecentActivity();

    public DejaMetrics(MeterRegistry registry, long slaTargetMs) {
        this.registry = registry;
        this.slaTarget = Duration.ofMillis(slaTargetMs);
        this.eventsIn = Counter.builder("deja.events.in").description("Bucket events read").register(registry);
        this.deadLetters = Counter.builder("deja.dead.letters").description("Records sent to the dead-letter topic").register(registry);
        this.redeliveries = Counter.builder("deja.redeliveries").description("Events MinIO delivered again, answered once").register(registry);
        this.invocationsRequested = Counter.builder("deja.invocations.requested")
                .description("Invocation requests issued by the dedup table (first calls and re-invocations)").register(registry);
        this.callLatency = Timer.builder("deja.openwhisk.call.latency").description("OpenWhisk invocation, request to result, retries included")
                .publishPercentileHistogram().maximumExpectedValue(Duration.ofMinutes(5)).register(registry);
        this.callsPerInvocation = DistributionSummary.builder("deja.openwhisk.http.calls")
                .description("HTTP calls per invocation (retries and polls)").register(registry);
    }

    /** Meters that go nowhere: for tests and tools that do not report. */
    public static DejaMetrics discarding() {
        return new DejaMetrics(new SimpleMeterRegistry(), 10_000);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /**
     * The process meters: Micrometer's JVM memory, GC, thread, class loader, CPU, uptime and file
     * descriptor binders, and {@code deja_build_info{version,java_version}} (always 1).
     */
    @SuppressWarnings("resource") // JvmGcMetrics lives as long as the process and its registry
    public void bindProcessMeters() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        Gauge.builder("deja.build.info", () -> 1)
                .tags("version", version(), "java_version", System.getProperty("java.version", UNKNOWN))
                .description("Deja's version and the JVM's (always 1)").register(registry);
    }

    /** Deja's version from the build ({@code dev/deja/build.properties}), or "dev" outside a build. */
    public static String version() {
        try (InputStream in = DejaMetrics.class.getResourceAsStream("/dev/deja/build.properties")) {
            if (in != null) {
                Properties properties = new Properties();
                properties.load(in);
                String version = properties.getProperty("version", "");
                if (!version.isBlank() && !version.startsWith("${")) {
                    return version;
                }
            }
        } catch (IOException e) {
            // the version is informational only
        }
        return "dev";
    }

    @Override
    public void eventIn() {
        eventsIn.increment();
    }

    @Override
    public void deadLetter(String reason) {
        deadLetters.increment();
        recent.deadLetter(reason);
    }

    @Override
    public void redelivery() {
        redeliveries.increment();
    }

    @Override
    public void invocationRequested() {
        invocationsRequested.increment();
    }

    @Override
    public void answered(OutputRecord output, Long savedDurationMs) {
        RuleMeters meters = meters(orUnknown(output.rule()), orUnknown(output.action()));
        meters.uploads.get(output.outcome()).increment();
        meters.endToEnd.record(Duration.ofMillis(output.latencyMs()));
        if (output.latencyMs() <= slaTarget.toMillis()) {
            meters.withinSla.increment();
        }
        if (output.outcome() == Outcome.CACHED || output.outcome() == Outcome.COALESCED) {
            meters.saved.increment();
            if (savedDurationMs != null) {
                meters.computeSaved.increment(savedDurationMs / 1000.0);
            }
        }
        recent.answered(output);
    }

    /** The meters of (rule, action); on a cache hit, two map reads and nothing allocated. */
    private RuleMeters meters(String rule, String action) {
        Map<String, RuleMeters> byAction = ruleMeters.get(rule);
        RuleMeters meters = byAction == null ? null : byAction.get(action);
        if (meters == null) {
            meters = ruleMeters.computeIfAbsent(rule, r -> new ConcurrentHashMap<>())
                    .computeIfAbsent(action, a -> new RuleMeters(rule, action));
        }
        return meters;
    }

    private List<RuleMeters> allMeters() {
        List<RuleMeters> all = new ArrayList<>();
        ruleMeters.values().forEach(byAction -> all.addAll(byAction.values()));
        return all;
    }

    /** The meters of one (rule, action), registered on its first upload. */
    private final class RuleMeters {
        final Map<Outcome, Counter> uploads = new EnumMap<>(Outcome.class);
        final Timer endToEnd;
        final Counter withinSla;
        final Counter saved;
        final Counter computeSaved;

        RuleMeters(String rule, String action) {
            Tags tags = Tags.of("rule", rule, "action", action);
            for (Outcome outcome : Outcome.values()) {
                uploads.put(outcome, Counter.builder("deja.uploads").tags(tags).tag("outcome", outcome.name())
                        .description("Uploads answered (one output record each), by rule, action and outcome").register(registry));
            }
            endToEnd = Timer.builder("deja.latency.end.to.end").tags(tags).description("From the event time to the output record")
                    .publishPercentileHistogram().serviceLevelObjectives(slaTarget).maximumExpectedValue(Duration.ofMinutes(10))
                    .register(registry);
            withinSla = Counter.builder("deja.uploads.within.sla").tags(tags)
                    .description("Uploads answered within deja.sla.target.ms").register(registry);
            saved = Counter.builder("deja.invocations.saved").tags(tags)
                    .description("Uploads answered without a call of their own (CACHED + COALESCED)").register(registry);
            computeSaved = Counter.builder("deja.compute.saved").baseUnit("seconds").tags(tags)
                    .description("Sum of the action durations that cached and coalesced answers did not spend").register(registry);
        }
    }

    @Override
    public void called(Duration latency, int httpCalls, String failureKind) {
        callLatency.record(latency);
        callsPerInvocation.record(httpCalls);
        if (failureKind != null) {
            Counter.builder("deja.invocation.failures").tag("kind", failureKind)
                    .description("Failed invocations, by OpenWhisk status").register(registry).increment();
        }
    }

    /** Uploads answered with {@code outcome}, over every rule and action. */
    public double count(Outcome outcome) {
        return totals().uploads().get(outcome);
    }

    /** The latest outputs and dead-letter reasons of this process. */
    public RecentActivity recent() {
        return recent;
    }

    /** The SLA target the latency histogram has a bucket at. */
    public Duration slaTarget() {
        return slaTarget;
    }

    /** Deja's counters since start, summed over every rule and action: what {@code /metrics} shows, added up. */
    public record Totals(Map<Outcome, Long> uploads, long invocationsRequested, long saved, double computeSavedSeconds,
            long withinSla, long deadLetters) {

        public long uploadCount() {
            return uploads.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** The counters now. */
    public Totals totals() {
        Map<Outcome, Long> uploads = new EnumMap<>(Outcome.class);
        long saved = 0;
        long withinSla = 0;
        double computeSaved = 0;
        for (Outcome outcome : Outcome.values()) {
            uploads.put(outcome, 0L);
        }
        for (RuleMeters meters : allMeters()) {
            meters.uploads.forEach((outcome, counter) -> uploads.merge(outcome, (long) counter.count(), Long::sum));
            saved += (long) meters.saved.count();
            withinSla += (long) meters.withinSla.count();
            computeSaved += meters.computeSaved.count();
        }
        return new Totals(uploads, (long) invocationsRequested.count(), saved, computeSaved, withinSla,
                (long) deadLetters.count());
    }

    /**
     * The end-to-end latency histogram since start, summed over every rule and action: bucket upper bounds in
     * milliseconds (the Prometheus {@code le} bounds) and the cumulative count at or below each.
     */
    public record Histogram(double[] boundsMs, double[] cumulative, long count) {
    }

    public Histogram latencyHistogram() {
        double[] bounds = null;
        double[] cumulative = null;
        long count = 0;
        for (RuleMeters meters : allMeters()) {
            HistogramSnapshot snapshot = meters.endToEnd.takeSnapshot();
            CountAtBucket[] buckets = snapshot.histogramCounts();
            if (bounds == null) {
                bounds = new double[buckets.length];
                cumulative = new double[buckets.length];
                for (int i = 0; i < buckets.length; i++) {
                    bounds[i] = buckets[i].bucket(TimeUnit.MILLISECONDS);
                }
            }
            for (int i = 0; i < Math.min(buckets.length, cumulative.length); i++) {
                cumulative[i] += buckets[i].count();
            }
            count += snapshot.count();
        }
        return bounds == null ? new Histogram(new double[0], new double[0], 0) : new Histogram(bounds, cumulative, count);
    }

    /** OpenWhisk calls in flight in this process, or -1 without an invoker. */
    public double inFlight() {
        Gauge gauge = registry.find("deja.invoker.in.flight").gauge();
        return gauge == null ? -1 : gauge.value();
    }

    /** The breaker's state ({@code closed}, {@code half_open}, {@code open}), or null without an invoker. */
    public String breakerState() {
        return registry.find("deja.breaker.state").gauges().stream().filter(g -> g.value() == 1)
                .map(g -> g.getId().getTag("state")).findFirst().orElse(null);
    }

    public double eventsIn() {
        return eventsIn.count();
    }

    public double deadLetters() {
        return deadLetters.count();
    }

    public double invocationsRequested() {
        return invocationsRequested.count();
    }

    /**
     * Meters of the invoker of this process: {@code deja_breaker_state{state}} (1 for the breaker's
     * current state, 0 for the others) and {@code deja_invoker_in_flight} (OpenWhisk calls in flight).
     */
    public void invokerGauges(Invoker invoker) {
        for (CircuitBreaker.State state : CircuitBreaker.State.values()) {
            Gauge.builder("deja.breaker.state", invoker, i -> i.breakerState() == state ? 1 : 0)
                    .tag("state", state.name().toLowerCase(Locale.ROOT))
                    .description("OpenWhisk circuit breaker: 1 for its current state").register(registry);
        }
        Gauge.builder("deja.invoker.in.flight", invoker, Invoker::inFlight)
                .description("OpenWhisk calls in flight").register(registry);
    }

    /**
     * Counter {@code deja_openwhisk_http_responses_total{operation,action,status}}: every HTTP answer
     * OpenWhisk gave (status code), or {@code status="error"} when no answer came (connection refused,
     * reset, timeout). 429s (throttled) and 503s (overloaded) show here before the breaker opens.
     */
    public void openWhiskResponses(OpenWhiskClient client) {
        client.observe((operation, action, status) -> Counter.builder("deja.openwhisk.http.responses")
                .tags("operation", operation, "action", orUnknown(action), "status", status < 0 ? "error" : Integer.toString(status))
                .description("HTTP answers from OpenWhisk, by operation (invoke, activation, action), action and status")
                .register(registry).increment());
    }

    /**
     * Gauge {@code deja_streams_running{application}}: 1 while that Kafka Streams application of the
     * process is RUNNING, else 0 (an alert on no RUNNING instance sums it over the instances).
     */
    public void streamsGauges(Supplier<Map<String, KafkaStreams.State>> states, Collection<String> applications) {
        for (String application : applications) {
            Gauge.builder("deja.streams.running", states, s -> s.get().get(application) == KafkaStreams.State.RUNNING ? 1 : 0)
                    .tag("application", application).strongReference(true) // Micrometer holds a gauge's object weakly
                    .description("1 while this Kafka Streams application of the process is RUNNING").register(registry);
        }
    }

    /** Gauge {@code deja_mirror_lag_records}: table records the CouchDB mirror has yet to write (-1 unknown). */
    public void mirrorGauge(Mirror mirror) {
        Gauge.builder("deja.mirror.lag", mirror, m -> m.stats().lag()).baseUnit("records")
                .description("Table records behind the end of the table topic in the CouchDB mirror (-1 unknown)")
                .register(registry);
    }

    private static String orUnknown(String value) {
        return value == null || value.isBlank() ? UNKNOWN : value;
    }
}
