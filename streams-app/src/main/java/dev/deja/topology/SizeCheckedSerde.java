package dev.deja.topology;

import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A serde whose serializer refuses a value larger than a record may carry, before it reaches the producer:
 * {@link DeadLetterProductionHandler} then dead-letters the input it came from, where the producer would have
 * failed the task (and, under exactly-once, the whole transaction) with the same error on every retry.
 */
final class SizeCheckedSerde {

    private SizeCheckedSerde() {
    }

    static <T> Serde<T> of(Serde<T> serde, int maxBytes) {
        Serializer<T> inner = serde.serializer();
        Deserializer<T> deserializer = serde.deserializer();
        Serializer<T> checked = (topic, value) -> {
            byte[] bytes = inner.serialize(topic, value);
            if (bytes != null && bytes.length > maxBytes) {
                throw new RecordTooLargeException("the value is " + bytes.length + " bytes, more than the "
                        + maxBytes + " a record may carry");
            }
            return bytes;
        };
        return Serdes.serdeFrom(checked, deserializer);
    }
}
