package dev.deja.serde;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.deja.model.OutputRecord;
import dev.deja.model.S3Object;
import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The serde of {@code deja-output}. Every upload gets one of these records, so it is written field by
 * field on Jackson's generator rather than by its data binding (which reads each record component by
 * reflection). The bytes are exactly what {@link JsonSerde} writes: the same fields in the same order,
 * nulls left out; {@code OutputRecordSerdeTest} holds the two to that. Read back with {@link JsonSerde}.
 */
public final class OutputRecordSerde implements Serde<OutputRecord> {

    private final Deserializer<OutputRecord> deserializer = JsonSerde.of(OutputRecord.class).deserializer();

    @Override
    public Serializer<OutputRecord> serializer() {
        return (topic, value) -> {
            if (value == null) {
                return null;
            }
            try {
                return write(value);
            } catch (IOException e) {
                throw new SerializationException("cannot write OutputRecord for topic " + topic, e);
            }
        };
    }

    @Override
    public Deserializer<OutputRecord> deserializer() {
        return deserializer;
    }

    static byte[] write(OutputRecord r) throws IOException {
        try (ByteArrayBuilder bytes = new ByteArrayBuilder(512)) {
            try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(bytes, JsonEncoding.UTF8)) {
                g.writeStartObject();
                if (r.object() != null) {
                    g.writeFieldName("object");
                    write(g, r.object());
                }
                string(g, "rule", r.rule());
                string(g, "contentMd5", r.contentMd5());
                string(g, "action", r.action());
                string(g, "actionVersion", r.actionVersion());
                string(g, "dedupKey", r.dedupKey());
                if (r.outcome() != null) {
                    g.writeStringField("outcome", r.outcome().name());
                }
                if (r.result() != null) {
                    g.writeFieldName("result");
                    g.writeTree(r.result());
                }
                string(g, "resultRef", r.resultRef());
                string(g, "error", r.error());
                string(g, "activationId", r.activationId());
                if (r.durationMs() != null) {
                    g.writeNumberField("durationMs", r.durationMs());
                }
                g.writeNumberField("latencyMs", r.latencyMs());
                g.writeEndObject();
            }
            return bytes.toByteArray();
        }
    }

    private static void write(JsonGenerator g, S3Object o) throws IOException {
        g.writeStartObject();
        string(g, "bucket", o.bucket());
        string(g, "key", o.key());
        string(g, "eventName", o.eventName());
        string(g, "eventTime", o.eventTime());
        string(g, "sequencer", o.sequencer());
        string(g, "eTag", o.eTag());
        if (o.size() != null) {
            g.writeNumberField("size", o.size());
        }
        string(g, "versionId", o.versionId());
        string(g, "contentType", o.contentType());
        g.writeBooleanField("encrypted", o.encrypted());
        g.writeEndObject();
    }

    private static void string(JsonGenerator g, String field, String value) throws IOException {
        if (value != null) {
            g.writeStringField(field, value);
        }
    }
}
