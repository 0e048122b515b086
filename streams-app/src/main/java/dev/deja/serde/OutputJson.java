package dev.deja.serde;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import dev.deja.model.OutputRecord;
import dev.deja.model.S3Object;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The serde of {@code deja-output}'s values. Writing is by hand over Jackson's streaming generator, field by field in
 * the record's order with nulls left out: the same bytes {@link Json#MAPPER} writes (a test holds them to it), without
 * the data binding's reflective getter calls and property writers, which were a sixth of a cache hit's stream-thread
 * time and a large part of a cold process's compilation. Reading is {@link JsonSerde}'s.
 */
public final class OutputJson {

    private static final JsonFactory FACTORY = Json.MAPPER.getFactory();
    private static final SerializableString OBJECT = name("object");
    private static final SerializableString BUCKET = name("bucket");
    private static final SerializableString KEY = name("key");
    private static final SerializableString EVENT_NAME = name("eventName");
    private static final SerializableString EVENT_TIME = name("eventTime");
    private static final SerializableString SEQUENCER = name("sequencer");
    private static final SerializableString E_TAG = name("eTag");
    private static final SerializableString SIZE = name("size");
    private static final SerializableString VERSION_ID = name("versionId");
    private static final SerializableString CONTENT_TYPE = name("contentType");
    private static final SerializableString ENCRYPTED = name("encrypted");
    private static final SerializableString RULE = name("rule");
    private static final SerializableString CONTENT_MD5 = name("contentMd5");
    private static final SerializableString ACTION = name("action");
    private static final SerializableString ACTION_VERSION = name("actionVersion");
    private static final SerializableString DEDUP_KEY = name("dedupKey");
    private static final SerializableString OUTCOME = name("outcome");
    private static final SerializableString RESULT = name("result");
    private static final SerializableString RESULT_REF = name("resultRef");
    private static final SerializableString ERROR = name("error");
    private static final SerializableString ACTIVATION_ID = name("activationId");
    private static final SerializableString DURATION_MS = name("durationMs");
    private static final SerializableString LATENCY_MS = name("latencyMs");

    private OutputJson() {
    }

    public static Serde<OutputRecord> serde() {
        return Serdes.serdeFrom(serializer(), JsonSerde.of(OutputRecord.class).deserializer());
    }

    public static Serializer<OutputRecord> serializer() {
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

    /** The record as {@link Json#MAPPER} would write it. */
    static byte[] write(OutputRecord out) throws IOException {
        ByteArrayBuilder bytes = new ByteArrayBuilder(FACTORY._getBufferRecycler(), 512);
        try (JsonGenerator g = FACTORY.createGenerator(bytes)) {
            g.writeStartObject();
            if (out.object() != null) {
                g.writeFieldName(OBJECT);
                object(g, out.object());
            }
            string(g, RULE, out.rule());
            string(g, CONTENT_MD5, out.contentMd5());
            string(g, ACTION, out.action());
            string(g, ACTION_VERSION, out.actionVersion());
            string(g, DEDUP_KEY, out.dedupKey());
            if (out.outcome() != null) {
                g.writeFieldName(OUTCOME);
                g.writeString(out.outcome().name());
            }
            if (out.result() != null) {
                g.writeFieldName(RESULT);
                tree(g, out.result());
            }
            string(g, RESULT_REF, out.resultRef());
            string(g, ERROR, out.error());
            string(g, ACTIVATION_ID, out.activationId());
            number(g, DURATION_MS, out.durationMs());
            g.writeFieldName(LATENCY_MS);
            g.writeNumber(out.latencyMs());
            g.writeEndObject();
        }
        byte[] result = bytes.toByteArray();
        bytes.release();
        return result;
    }

    private static void object(JsonGenerator g, S3Object o) throws IOException {
        g.writeStartObject();
        string(g, BUCKET, o.bucket());
        string(g, KEY, o.key());
        string(g, EVENT_NAME, o.eventName());
        string(g, EVENT_TIME, o.eventTime());
        string(g, SEQUENCER, o.sequencer());
        string(g, E_TAG, o.eTag());
        number(g, SIZE, o.size());
        string(g, VERSION_ID, o.versionId());
        string(g, CONTENT_TYPE, o.contentType());
        g.writeFieldName(ENCRYPTED);
        g.writeBoolean(o.encrypted());
        g.writeEndObject();
    }

    /**
     * A result, as Jackson's node serializers write it; {@link JsonGenerator#writeTree} would make a serializer
     * provider for every record. Decimals, binary and POJO nodes, which have settings of their own, go to Jackson.
     */
    private static void tree(JsonGenerator g, JsonNode node) throws IOException {
        switch (node.getNodeType()) {
            case OBJECT -> {
                g.writeStartObject();
                for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    g.writeFieldName(field.getKey());
                    tree(g, field.getValue());
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray();
                for (JsonNode element : node) {
                    tree(g, element);
                }
                g.writeEndArray();
            }
            case STRING -> g.writeString(node.textValue());
            case BOOLEAN -> g.writeBoolean(node.booleanValue());
            case NULL -> g.writeNull();
            case NUMBER -> {
                switch (node.numberType()) {
                    case INT -> g.writeNumber(node.intValue());
                    case LONG -> g.writeNumber(node.longValue());
                    case DOUBLE -> g.writeNumber(node.doubleValue());
                    default -> g.writeTree(node);
                }
            }
            default -> g.writeTree(node);
        }
    }

    private static void string(JsonGenerator g, SerializableString name, String value) throws IOException {
        if (value != null) {
            g.writeFieldName(name);
            g.writeString(value);
        }
    }

    private static void number(JsonGenerator g, SerializableString name, Long value) throws IOException {
        if (value != null) {
            g.writeFieldName(name);
            g.writeNumber(value);
        }
    }

    private static SerializableString name(String name) {
        return new SerializedString(name);
    }
}
