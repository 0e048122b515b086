package dev.deja.topology;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deja.model.S3Object;
import dev.deja.serde.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * A MinIO-shaped event of one object, rebuilt from what Deja keeps of it: the dead letter of an object that could
 * not be hashed. Written back to the input topic it is read as the same upload (same key, sequencer, ETag and
 * encryption), so an operator can replay it once the cause is fixed; the event it came in is at the dead letter's
 * {@code deja.source.*} coordinates.
 */
final class ObjectEvent {

    private ObjectEvent() {
    }

    static byte[] of(S3Object object) {
        ObjectNode event = Json.object();
        event.put("EventName", object.eventName());
        event.put("Key", object.path());
        ObjectNode record = event.putArray("Records").addObject();
        record.put("eventVersion", "2.0");
        record.put("eventSource", "minio:s3");
        record.put("eventTime", object.eventTime());
        record.put("eventName", object.eventName());
        ObjectNode s3 = record.putObject("s3");
        s3.put("s3SchemaVersion", "1.0");
        s3.putObject("bucket").put("name", object.bucket());
        ObjectNode o = s3.putObject("object");
        o.put("key", URLEncoder.encode(object.key(), StandardCharsets.UTF_8));
        if (object.size() != null) {
            o.put("size", object.size());
        }
        o.put("eTag", object.eTag());
        o.put("contentType", object.contentType());
        o.put("versionId", object.versionId());
        if (object.encrypted()) {
            o.putObject("userMetadata").put("X-Amz-Server-Side-Encryption-Customer-Algorithm", "AES256");
        }
        o.put("sequencer", object.sequencer());
        return Json.write(event).getBytes(StandardCharsets.UTF_8);
    }
}
