package dev.deja.bench;

import dev.deja.config.DejaConfig;
import dev.deja.topology.DejaTopology;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * Scenario 1: a Kafka Streams application that reads the input and writes it unchanged, with
 * Deja's own Streams settings (same processing guarantee, commit interval, compression): the
 * ceiling of any stream processor on this machine.
 */
final class PassThrough {

    static final String APPLICATION_ID = "deja-bench-passthrough";

    private PassThrough() {
    }

    static KafkaStreams create(DejaConfig config, String input, String output) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .to(output, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        Properties props = DejaTopology.properties(config, APPLICATION_ID);
        Topology topology = builder.build(props);
        return new KafkaStreams(topology, props);
    }
}
