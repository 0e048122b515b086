package dev.deja.ops;

import dev.deja.invoke.Invoker;
import dev.deja.mirror.Mirror;
import dev.deja.model.Outcome;
import dev.deja.topology.TopologyMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The figures a user asks of Deja, as Micrometer meters (rendered in Prometheus format at
 * {@code /metrics}): events in, uploads answered by outcome, invocations made and saved, failures
 * by kind, call and end-to-end latency, compute time saved, and SLA compliance.
 */
public final class DejaMetrics implements TopologyMetrics {

    private final MeterRegistry registry;
    private final Counter eventsIn;
    private final Counter deadLetters;
    private final Counter redeliveries;
    private final Counter invocationsRequested;
    private final Map<Outcome, Counter> uploads = new EnumMap<>(Outcome.class);
    private final Map<String, Counter> failures = new ConcurrentHashMap<>();
    private final Counter computeSavedMs;
    private final Counter invocationsSaved;
    private final Counter withinSla;
    private final Timer endToEnd;
    private final Timer callLatency;
    private final DistributionSummary callsPerInvocation;
    private final long slaTargetMs;

    public DejaMetrics(MeterRegistry registry, long slaTargetMs) {
        this.registry = registry;
        this.slaTargetMs = slaTargetMs;
        this.eventsIn = Counter.builder("deja.events.in").description("Bucket events read").register(registry);
        this.deadLetters = Counter.builder("deja.dead.letters").description("Records sent to the dead-letter topic").register(registry);
        this.redeliveries = Counter.builder("deja.redeliveries").description("Events MinIO delivered again, answered once").register(registry);
        this.invocationsRequested = Counter.builder("deja.invocations.requested")
                .description("Invocation requests issued by the dedup table (first calls and re-invocations)").register(registry);
        for (Outcome outcome : Outcome.values()) {
            uploads.put(outcome, Counter.builder("deja.uploads").tag("outcome", outcome.name())
                    .description("Uploads answered, by outcome").register(registry));
        }
        this.computeSavedMs = Counter.builder("deja.compute.saved.ms")
                .description("Sum of the action durations that cached and coalesced answers did not spend").register(registry);
        this.withinSla = Counter.builder("deja.uploads.within.sla")
                .description("Uploads answered within deja.sla.target.ms").register(registry);
        this.endToEnd = Timer.builder("deja.latency.end.to.end").description("From the event time to the output record")
                .publishPercentiles(0.5, 0.99).publishPercentileHistogram().serviceLevelObjectives(Duration.ofMillis(slaTargetMs))
                .register(registry);
        this.callLatency = Timer.builder("deja.openwhisk.call.latency").description("OpenWhisk invocation, retries included")
                .publishPercentiles(0.5, 0.99).publishPercentileHistogram().register(registry);
        this.invocationsSaved = Counter.builder("deja.invocations.saved")
                .description("Uploads answered without a call of their own (CACHED + COALESCED)").register(registry);
        Gauge.builder("deja.hit.ratio", this, m -> m.ratio(m.invocationsSaved.count()))
                .description("Share of answered uploads that needed no call of their own").register(registry);
        Gauge.builder("deja.sla.compliance", this, m -> m.ratio(m.withinSla.count()))
                .description("Share of answered uploads answered within deja.sla.target.ms").register(registry);
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

    @Override
    public void eventIn() {
        eventsIn.increment();
    }

    @Override
    public void deadLetter() {
        deadLetters.increment();
    }

    @Override
    public void redelivery() {
        redeliveries.increment();
    }

    @Override
    public void invocationRequested() {
        invocationsRequested.increment();
    }

    /** One output record; {@code savedDurationMs} is the action time a cached or coalesced answer saved. */
    @Override
    public void answered(Outcome outcome, long latencyMs, Long savedDurationMs) {
        uploads.get(outcome).increment();
        endToEnd.record(Duration.ofMillis(latencyMs));
        if (latencyMs <= slaTargetMs) {
            withinSla.increment();
        }
        if (outcome == Outcome.CACHED || outcome == Outcome.COALESCED) {
            invocationsSaved.increment();
            if (savedDurationMs != null) {
                computeSavedMs.increment(savedDurationMs);
            }
        }
    }

    /** One finished invocation (the invoker's side). */
    @Override
    public void called(Duration latency, int httpCalls, String failureKind) {
        callLatency.record(latency);
        callsPerInvocation.record(httpCalls);
        if (failureKind != null) {
            failures.computeIfAbsent(failureKind, kind -> Counter.builder("deja.invocation.failures").tag("kind", kind)
                    .description("Failed invocations, by OpenWhisk status").register(registry)).increment();
        }
    }

    private double ratio(double part) {
        double answered = uploads.values().stream().mapToDouble(Counter::count).sum();
        return answered == 0 ? 0 : part / answered;
    }

    public double count(Outcome outcome) {
        return uploads.get(outcome).count();
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
     * Gauges of the invoker of this process: {@code deja.breaker.state} (0 closed, 1 half-open,
     * 2 open) and {@code deja.invoker.in.flight} (OpenWhisk calls in flight).
     */
    public void invokerGauges(Invoker invoker) {
        Gauge.builder("deja.breaker.state", invoker, i -> switch (i.breakerState()) {
            case CLOSED -> 0;
            case HALF_OPEN -> 1;
            case OPEN -> 2;
        }).description("OpenWhisk circuit breaker: 0 closed, 1 half-open, 2 open").register(registry);
        Gauge.builder("deja.invoker.in.flight", invoker, Invoker::inFlight)
                .description("OpenWhisk calls in flight").register(registry);
    }

    /** Gauge {@code deja.mirror.lag}: table records the CouchDB mirror has yet to write (-1 unknown). */
    public void mirrorGauge(Mirror mirror) {
        Gauge.builder("deja.mirror.lag", mirror, m -> m.stats().lag())
                .description("Table records behind the end of the table topic in the CouchDB mirror (-1 unknown)")
                .register(registry);
    }
}
