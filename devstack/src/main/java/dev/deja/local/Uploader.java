package dev.deja.local;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deja.serde.Json;
import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.MinioException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Uploads objects to S3 and then publishes the bucket notification MinIO's Kafka target would
 * have sent: s3proxy sends none, so this stands in for MinIO in {@code deja local}, the demo and
 * the whole-stack tests.
 *
 * <p>The Kafka record key is {@code bucket/key} (not encoded) and the value is MinIO's
 * {@code {"EventName","Key","Records":[event]}} JSON, with the object key URL query-escaped as Go's
 * {@code url.QueryEscape} does, the ETag without quotes, and a sequencer of 16 upper-case hex
 * digits that increases with every upload from this JVM.
 */
public final class Uploader implements AutoCloseable {

    /** minio-java's smallest part: multipart uploads need more bytes than this for two parts. */
    public static final long PART_SIZE = 5L * 1024 * 1024;
    public static final String PUT = "s3:ObjectCreated:Put";
    public static final String COMPLETE_MULTIPART_UPLOAD = "s3:ObjectCreated:CompleteMultipartUpload";
    /** The principal id the local stack's events carry (MinIO would name the uploader's access key). */
    public static final String LOCAL_PRINCIPAL = "deja-local";
    static final String USER_AGENT = "MinIO (linux; amd64) minio-go/v7.0.70";
    private static final DateTimeFormatter EVENT_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final AtomicLong LAST_SEQUENCER = new AtomicLong();
    private static final long SEND_TIMEOUT_SECONDS = 30;

    /**
     * What one MinIO event says about one object.
     *
     * @param eventName      e.g. {@code s3:ObjectCreated:Put}
     * @param bucket         bucket name
     * @param key            object key, not encoded
     * @param size           bytes
     * @param eTag           without quotes
     * @param contentType    the object's content type
     * @param sequencer      16 upper-case hex digits
     * @param eventTime      when the event happened
     * @param principalId    the access key that wrote the object
     * @param deploymentId   MinIO deployment id
     * @param originEndpoint MinIO's endpoint URL
     */
    public record ObjectEvent(String eventName, String bucket, String key, long size, String eTag,
                              String contentType, String sequencer, Instant eventTime, String principalId,
                              String deploymentId, String originEndpoint) {
    }

    /** The outcome of {@link #upload}: the event published and where it went. */
    public record Uploaded(ObjectEvent event, String eventJson, int partition, long offset) {
    }

    private final MinioClient client;
    private final Producer<String, String> producer;
    private final boolean ownsProducer;
    private final String topic;
    private final String principalId;
    private final String originEndpoint;
    private final String deploymentId = UUID.randomUUID().toString();
    private final Set<String> knownBuckets = ConcurrentHashMap.newKeySet();

    /**
     * @param client         the S3 client that writes the objects
     * @param producer       publishes the events; it should use {@code acks=all}; not closed here
     * @param topic          the bucket-events topic
     * @param principalId    the access key shown as the uploader
     * @param originEndpoint the S3 endpoint shown as {@code x-minio-origin-endpoint}
     */
    public Uploader(MinioClient client, Producer<String, String> producer, String topic, String principalId,
                    String originEndpoint) {
        this(client, producer, false, topic, principalId, originEndpoint);
    }

    private Uploader(MinioClient client, Producer<String, String> producer, boolean ownsProducer, String topic,
                     String principalId, String originEndpoint) {
        this.client = Objects.requireNonNull(client, "client");
        this.producer = Objects.requireNonNull(producer, "producer");
        this.ownsProducer = ownsProducer;
        this.topic = Objects.requireNonNull(topic, "topic");
        this.principalId = Objects.requireNonNull(principalId, "principalId");
        this.originEndpoint = Objects.requireNonNull(originEndpoint, "originEndpoint");
    }

    /** An uploader for a {@link LocalS3} with its own idempotent {@code acks=all} producer, closed with it. */
    public static Uploader create(LocalS3 s3, String bootstrapServers, String topic) {
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.CLIENT_ID_CONFIG, "deja-uploader");
        Producer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
        return new Uploader(s3.client(), producer, true, topic, LOCAL_PRINCIPAL, s3.endpoint());
    }

    /**
     * Writes the object (creating the bucket if missing), then publishes its event and waits for
     * the broker's acknowledgement.
     *
     * @param multipart upload in {@link #PART_SIZE} parts; the object gets an {@code md5-N} ETag and
     *                  the event is {@code CompleteMultipartUpload} only when {@code data} is longer
     *                  than one part (S3's minimum part size), otherwise it is a single {@code Put}
     */
    public Uploaded upload(String bucket, String key, byte[] data, boolean multipart) {
        return upload(bucket, key, data, multipart, "application/octet-stream");
    }

    /** {@link #upload(String, String, byte[], boolean)} with a content type. */
    public Uploaded upload(String bucket, String key, byte[] data, boolean multipart, String contentType) {
        StatObjectResponse stat;
        try {
            ensureBucket(bucket);
            PutObjectArgs.Builder put = PutObjectArgs.builder().bucket(bucket).object(key).contentType(contentType);
            if (multipart) {
                put.stream(new ByteArrayInputStream(data), (long) data.length, PART_SIZE);
            } else {
                put.data(data, data.length);
            }
            client.putObject(put.build());
            stat = client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
        } catch (MinioException e) {
            throw new IllegalStateException("cannot upload " + bucket + "/" + key + ": " + e.getMessage(), e);
        }
        String eTag = unquote(stat.etag());
        String eventName = eTag.contains("-") ? COMPLETE_MULTIPART_UPLOAD : PUT;
        ObjectEvent event = new ObjectEvent(eventName, bucket, key, stat.size(), eTag,
                stat.contentType() == null ? contentType : stat.contentType(), nextSequencer(), Instant.now(),
                principalId, deploymentId, originEndpoint);
        String json = minioEventJson(event);
        try {
            RecordMetadata metadata = producer.send(new ProducerRecord<>(topic, bucket + "/" + key, json))
                    .get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return new Uploaded(event, json, metadata.partition(), metadata.offset());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted publishing the event of " + bucket + "/" + key, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot publish the event of " + bucket + "/" + key + " to " + topic
                    + ": " + e, e);
        }
    }

    /**
     * MinIO's Kafka record value for one event: {@code {"EventName","Key","Records":[...]}} with
     * fields in MinIO's order (its Go structs; map-valued fields sorted by key, as Go writes maps).
     */
    public static String minioEventJson(ObjectEvent event) {
        String path = event.bucket() + "/" + event.key();
        ObjectNode record = Json.object();
        record.put("eventVersion", "2.0");
        record.put("eventSource", "minio:s3");
        record.put("awsRegion", "");
        record.put("eventTime", EVENT_TIME.format(event.eventTime()));
        record.put("eventName", event.eventName());
        record.putObject("userIdentity").put("principalId", event.principalId());
        Map<String, String> requestParameters = new TreeMap<>(Map.of(
                "principalId", event.principalId(), "region", "", "sourceIPAddress", "127.0.0.1"));
        requestParameters.forEach(record.putObject("requestParameters")::put);
        Map<String, String> responseElements = new TreeMap<>(Map.of(
                "x-amz-id-2", sha256Hex(event.originEndpoint()),
                "x-amz-request-id", event.sequencer(),
                "x-minio-deployment-id", event.deploymentId(),
                "x-minio-origin-endpoint", event.originEndpoint()));
        responseElements.forEach(record.putObject("responseElements")::put);
        ObjectNode s3 = record.putObject("s3");
        s3.put("s3SchemaVersion", "1.0");
        s3.put("configurationId", "Config");
        ObjectNode bucket = s3.putObject("bucket");
        bucket.put("name", event.bucket());
        bucket.putObject("ownerIdentity").put("principalId", event.principalId());
        bucket.put("arn", "arn:aws:s3:::" + event.bucket());
        ObjectNode object = s3.putObject("object");
        object.put("key", queryEscape(event.key()));
        object.put("size", event.size());
        object.put("eTag", event.eTag());
        object.put("contentType", event.contentType());
        object.putObject("userMetadata").put("content-type", event.contentType());
        object.put("sequencer", event.sequencer());
        ObjectNode source = record.putObject("source");
        source.put("host", "127.0.0.1");
        source.put("port", "");
        source.put("userAgent", USER_AGENT);

        ObjectNode log = Json.object();
        log.put("EventName", event.eventName());
        log.put("Key", path);
        ArrayNode records = log.putArray("Records");
        records.add(record);
        return Json.write(log);
    }

    /**
     * Go's {@code url.QueryEscape}, which MinIO applies to object keys in events: unreserved
     * characters ({@code A-Z a-z 0-9 - _ . ~}) stay, space becomes {@code +}, every other byte of
     * the UTF-8 form becomes {@code %XX} (so {@code /} is {@code %2F}).
     */
    public static String queryEscape(String text) {
        StringBuilder out = new StringBuilder(text.length() * 3);
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '~') {
                out.append((char) c);
            } else if (c == ' ') {
                out.append('+');
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
        return out.toString();
    }

    /**
     * A MinIO-style sequencer: the time in nanoseconds as 16 upper-case hex digits, made strictly
     * increasing across calls in this JVM.
     */
    static String nextSequencer() {
        Instant now = Instant.now();
        long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        long value = LAST_SEQUENCER.accumulateAndGet(nanos, (last, candidate) -> Math.max(last + 1, candidate));
        return String.format("%016X", value);
    }

    /** Closes the producer if this uploader created it. */
    @Override
    public void close() {
        if (ownsProducer) {
            producer.close();
        }
    }

    private void ensureBucket(String bucket) throws MinioException {
        if (knownBuckets.contains(bucket)) {
            return;
        }
        if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
            try {
                client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
            } catch (ErrorResponseException e) {
                String code = e.errorResponse().code();
                if (!"BucketAlreadyOwnedByYou".equals(code) && !"BucketAlreadyExists".equals(code)) {
                    throw e;
                }
            }
        }
        knownBuckets.add(bucket);
    }

    private static String unquote(String eTag) {
        if (eTag != null && eTag.length() >= 2 && eTag.startsWith("\"") && eTag.endsWith("\"")) {
            return eTag.substring(1, eTag.length() - 1);
        }
        return eTag;
    }

    private static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
