package dev.deja.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Where the time of a run goes, per event: the CPU each group of threads of this JVM spent (the
 * broker, the bench's feed, each app's stream and producer threads, and the JVM's own threads:
 * GC and JIT), and the records and bytes the embedded broker took in per topic. Everything runs
 * in this one JVM (the broker too), so a snapshot before and after a run sees all of it.
 *
 * <p>CPU per event is steadier than throughput on a shared machine: another process slows a run
 * down but hardly changes what the run itself costs.
 */
final class RoundProfile {

    static final String KEY_PREFIX = "profile.";
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** The JIT compilers' time (summed over compiler threads), and the collectors' pauses: wall clock, not CPU. */
    static final String JIT = "JIT compilation";
    static final String GC = "GC pauses";

    /** What was counted at one moment. */
    record Snapshot(Map<String, Long> cpuNanos, long processCpuNanos, Map<String, Long> messagesIn,
                    Map<String, Long> bytesIn, Map<String, Long> jvmMillis) {
    }

    /** Per-event costs of one or more runs: CPU in µs by thread group, records and bytes written by topic. */
    record Costs(Map<String, Double> cpuMicros, Map<String, Double> records, Map<String, Double> bytes,
                 Map<String, Double> jvmMicros, long events) {

        static final Costs NONE = new Costs(Map.of(), Map.of(), Map.of(), Map.of(), 0);

        double totalCpuMicros() {
            return cpuMicros.values().stream().mapToDouble(Double::doubleValue).sum();
        }

        double totalRecords() {
            return records.values().stream().mapToDouble(Double::doubleValue).sum();
        }

        double totalBytes() {
            return bytes.values().stream().mapToDouble(Double::doubleValue).sum();
        }

        /** The sum of two profiles, each weighted by its events. */
        Costs plus(Costs other) {
            long total = events + other.events;
            return total == 0 ? NONE : new Costs(weighted(cpuMicros, events, other.cpuMicros, other.events, total),
                    weighted(records, events, other.records, other.events, total),
                    weighted(bytes, events, other.bytes, other.events, total),
                    weighted(jvmMicros, events, other.jvmMicros, other.events, total), total);
        }

        private static Map<String, Double> weighted(Map<String, Double> a, long na, Map<String, Double> b, long nb,
                                                    long total) {
            Map<String, Double> sum = new TreeMap<>();
            a.forEach((k, v) -> sum.merge(k, v * na / total, Double::sum));
            b.forEach((k, v) -> sum.merge(k, v * nb / total, Double::sum));
            return sum;
        }

        /** The figures for a scenario's result: {@code profile.cpu.<group>}, {@code profile.records.<topic>}, ... */
        void addTo(ScenarioResult.Builder builder) {
            builder.figure(KEY_PREFIX + "cpu", "CPU per event, all threads of the JVM", totalCpuMicros(), "µs");
            cpuMicros.forEach((group, micros) ->
                    builder.figure(KEY_PREFIX + "cpu." + group, "CPU per event: " + group, micros, "µs"));
            builder.figure(KEY_PREFIX + "records", "records written per event, all topics", totalRecords(), "");
            records.forEach((topic, n) ->
                    builder.figure(KEY_PREFIX + "records." + topic, "records written per event to " + topic, n, ""));
            builder.figure(KEY_PREFIX + "bytes", "bytes written per event, all topics (compressed)", totalBytes(), "B");
            bytes.forEach((topic, n) ->
                    builder.figure(KEY_PREFIX + "bytes." + topic, "bytes written per event to " + topic, n, "B"));
            jvmMicros.forEach((what, micros) ->
                    builder.figure(KEY_PREFIX + "jvm." + what, "time per event (wall clock): " + what, micros, "µs"));
        }
    }

    private RoundProfile() {
    }

    static Snapshot snapshot() {
        Map<String, Long> cpu = new TreeMap<>();
        long[] ids = THREADS.getAllThreadIds();
        ThreadInfo[] infos = THREADS.getThreadInfo(ids);
        for (int i = 0; i < ids.length; i++) {
            long nanos = THREADS.getThreadCpuTime(ids[i]);
            if (infos[i] != null && nanos > 0) {
                // Keyed by thread id too, as names repeat. A thread that ends between two snapshots counts only in the
                // process's CPU, so under the JVM's own threads.
                cpu.put(ids[i] + " " + infos[i].getThreadName(), nanos);
            }
        }
        Map<String, Long> jvm = new TreeMap<>();
        jvm.put(JIT, ManagementFactory.getCompilationMXBean().getTotalCompilationTime());
        jvm.put(GC, ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(bean -> Math.max(0, bean.getCollectionTime())).sum());
        return new Snapshot(cpu, processCpuNanos(), brokerCounts("MessagesInPerSec"), brokerCounts("BytesInPerSec"), jvm);
    }

    /** What happened between two snapshots, per event of the run between them. */
    static Costs between(Snapshot before, Snapshot after, long events) {
        Map<String, Double> cpu = new LinkedHashMap<>();
        long threadsTotal = 0;
        Map<String, Long> byGroup = new TreeMap<>();
        for (Map.Entry<String, Long> thread : after.cpuNanos().entrySet()) {
            long spent = thread.getValue() - before.cpuNanos().getOrDefault(thread.getKey(), 0L);
            threadsTotal += spent;
            byGroup.merge(group(thread.getKey().substring(thread.getKey().indexOf(' ') + 1)), spent, Long::sum);
        }
        byGroup.forEach((group, nanos) -> cpu.put(group, nanos / 1e3 / events));
        // The JVM's own threads (GC, JIT compiler) are not Java threads: what the process spent beyond its Java threads.
        long jvm = after.processCpuNanos() - before.processCpuNanos() - threadsTotal;
        if (after.processCpuNanos() > 0) {
            cpu.put("JVM: GC, JIT compiler and other non-Java threads", Math.max(0, jvm) / 1e3 / events);
        }
        Map<String, Double> jvmMicros = new TreeMap<>();
        after.jvmMillis().forEach((what, millis) ->
                jvmMicros.put(what, (millis - before.jvmMillis().getOrDefault(what, 0L)) * 1e3 / events));
        return new Costs(cpu, perEvent(before.messagesIn(), after.messagesIn(), events),
                perEvent(before.bytesIn(), after.bytesIn(), events), jvmMicros, events);
    }

    private static Map<String, Double> perEvent(Map<String, Long> before, Map<String, Long> after, long events) {
        Map<String, Double> out = new TreeMap<>();
        after.forEach((topic, count) -> {
            long delta = count - before.getOrDefault(topic, 0L);
            if (delta > 0) {
                out.put(topic, (double) delta / events);
            }
        });
        return out;
    }

    /**
     * The group a thread belongs to, from the names Kafka gives its threads: {@code
     * <application.id>-<uuid>-StreamThread-1}, {@code kafka-producer-network-thread | <client.id>}.
     */
    static String group(String thread) {
        String producerPrefix = "kafka-producer-network-thread | ";
        boolean producer = thread.startsWith(producerPrefix);
        String app = producer ? thread.substring(producerPrefix.length()) : thread;
        // The feed's client id starts like Deja's application id: told apart first.
        if (app.equals(EventFeed.CLIENT_ID) || thread.startsWith("ForkJoinPool") || thread.equals("main")
                || thread.matches("Thread-\\d+")) {
            return "bench: event feed and output watcher";
        }
        if (app.startsWith(PassThrough.APPLICATION_ID + "-")) {
            return producer ? "pass-through: producer I/O" : "pass-through: stream thread";
        }
        if (app.startsWith(Bench.DEJA_APPLICATION_ID + "-invoker-")) {
            return "Deja: invoker";
        }
        if (app.startsWith(Bench.DEJA_APPLICATION_ID + "-")) {
            if (producer) {
                return "Deja: producer I/O";
            }
            return app.endsWith("GlobalStreamThread") ? "Deja: table replica (global thread)" : "Deja: stream threads";
        }
        if (thread.startsWith("deja-action")) {
            return "action host (the fake OpenWhisk)";
        }
        if (thread.startsWith("OkHttp") || thread.startsWith("deja-invoker-")) {
            return "Deja: OpenWhisk client";
        }
        return "broker and other threads";
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }

    /** The broker's per-topic counter {@code name} (messages or bytes in), from its JMX beans in this JVM. */
    private static Map<String, Long> brokerCounts(String name) {
        Map<String, Long> counts = new TreeMap<>();
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            Set<ObjectName> beans = server.queryNames(
                    new ObjectName("kafka.server:type=BrokerTopicMetrics,name=" + name + ",topic=*"), null);
            for (ObjectName bean : beans) {
                Object count = server.getAttribute(bean, "Count");
                if (count instanceof Number n) {
                    counts.put(bean.getKeyProperty("topic"), n.longValue());
                }
            }
        } catch (Exception e) {
            // No broker beans (another JMX setup): the profile shows CPU only.
        }
        return counts;
    }
}
