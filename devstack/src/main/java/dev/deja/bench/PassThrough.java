package dev.deja.bench;

import dev.deja.config.DejaConfig;
import dev.deja.topology.DejaTopology;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * Scenario 1: a Kafka Streams application that reads the input and writes it unchanged, with
 * Deja's own Streams settings (same processing guarantee, commit interval, compression): the
 * ceiling of any stream processor on this machine. Scenario 8 runs it as a process of its own
 * through {@link #main}.
 */
public final class PassThrough {

    static final String APPLICATION_ID = "deja-bench-passthrough";

    private PassThrough() {
    }

    static KafkaStreams create(DejaConfig config, String input, String output) {
        return create(config, input, output, APPLICATION_ID);
    }

    static KafkaStreams create(DejaConfig config, String input, String output, String applicationId) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .to(output, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        Properties props = DejaTopology.properties(config, applicationId);
        Topology topology = builder.build(props);
        return new KafkaStreams(topology, props);
    }

    /**
     * Runs the pass-through as a process of its own until SIGTERM:
     * {@code PassThrough <deja properties file> <input topic> <output topic> <application id>}.
     * The Streams settings are those Deja reads from the same file. Exits 1 if the application
     * stops on its own (an error).
     */
    public static void main(String[] args) throws InterruptedException {
        if (args.length != 4) {
            System.err.println("usage: PassThrough <deja properties file> <input topic> <output topic> <application id>");
            System.exit(2);
        }
        DejaConfig config = DejaConfig.load(Path.of(args[0]), Map.of(), Map.of());
        KafkaStreams streams = create(config, args[1], args[2], args[3]);
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean closing = new AtomicBoolean();
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                stopped.countDown();
            }
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            closing.set(true);
            streams.close(Duration.ofSeconds(30));
            stopped.countDown();
        }, "pass-through-shutdown"));
        streams.start();
        stopped.await();
        if (!closing.get()) {
            streams.close(Duration.ofSeconds(30));
            System.err.println("pass-through: the Kafka Streams application stopped: " + streams.state());
            System.exit(1);
        }
    }
}
