package dev.deja.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deja.serde.Json;
import dev.deja.testing.Await;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UploaderTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "photos/my cat+1.png | photos%2Fmy+cat%2B1.png",
        "a b/ü~*.png         | a+b%2F%C3%BC~%2A.png",
        "plain-name_1.JPG    | plain-name_1.JPG",
        "q?x=1&y=%           | q%3Fx%3D1%26y%3D%25"})
    void shouldEscapeKeyAsMinioDoesWhenBuildingEvent(String key, String escaped) {
        // given
        Uploader.ObjectEvent event = event(key, "\"ignored\"".replace("\"", ""), "0000000000000001");
        // when
        JsonNode json = Json.parse(Uploader.minioEventJson(event));
        // then
        String eventKey = json.at("/Records/0/s3/object/key").asText();
        assertThat(eventKey).isEqualTo(escaped);
        assertThat(URLDecoder.decode(eventKey, StandardCharsets.UTF_8)).isEqualTo(key);
        assertThat(json.get("Key").asText()).isEqualTo("uploads/" + key);
    }

    @Test
    void shouldFollowMinioShapeWhenBuildingEvent() {
        // given
        Uploader.ObjectEvent event = event("cats/tom.png", "9e107d9d372bb6826bd81d3542a419d6", "187A3C2B1D0E4F56");
        // when
        JsonNode json = Json.parse(Uploader.minioEventJson(event));
        // then
        assertThat(json.fieldNames()).toIterable().containsExactly("EventName", "Key", "Records");
        JsonNode record = json.at("/Records/0");
        assertThat(record.fieldNames()).toIterable().containsExactly("eventVersion", "eventSource", "awsRegion",
                "eventTime", "eventName", "userIdentity", "requestParameters", "responseElements", "s3", "source");
        assertThat(record.get("eventTime").asText()).isEqualTo("2026-07-01T10:00:00.123Z");
        assertThat(record.at("/requestParameters/sourceIPAddress").asText()).isEqualTo("127.0.0.1");
        assertThat(record.at("/responseElements").fieldNames()).toIterable().containsExactly("x-amz-id-2",
                "x-amz-request-id", "x-minio-deployment-id", "x-minio-origin-endpoint");
        assertThat(record.at("/s3/bucket/arn").asText()).isEqualTo("arn:aws:s3:::uploads");
        assertThat(record.at("/s3/object").fieldNames()).toIterable().containsExactly("key", "size", "eTag",
                "contentType", "userMetadata", "sequencer");
        assertThat(record.at("/s3/object/eTag").asText()).isEqualTo("9e107d9d372bb6826bd81d3542a419d6");
        assertThat(record.at("/s3/object/userMetadata/content-type").asText()).isEqualTo("image/png");
        assertThat(record.at("/source/userAgent").asText()).startsWith("MinIO (");
    }

    @Test
    void shouldGiveIncreasingSequencersWhenCalledRepeatedly() {
        // given
        List<String> sequencers = new ArrayList<>();
        // when
        for (int i = 0; i < 1000; i++) {
            sequencers.add(Uploader.nextSequencer());
        }
        // then
        assertThat(sequencers).allMatch(s -> s.matches("[0-9A-F]{16}")).isSorted().doesNotHaveDuplicates();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldPublishMinioEventWhenObjectIsUploaded() {
        // given
        byte[] small = "a small photo".getBytes(StandardCharsets.UTF_8);
        byte[] large = new byte[(int) (Uploader.PART_SIZE + 1000)];
        new Random(3).nextBytes(large);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null);
             LocalS3 s3 = LocalS3.start(null)) {
            kafka.createTopic("bucket-events", 1, Map.of());
            try (Uploader uploader = Uploader.create(s3, kafka.bootstrapServers(), "bucket-events")) {
                // when
                Uploader.Uploaded single = uploader.upload("photos", "my cat+1.png", small, false, "image/png");
                Uploader.Uploaded multi = uploader.upload("photos", "big/scan.tiff", large, true);
                // then
                List<ConsumerRecord<String, String>> records = consume(kafka.bootstrapServers(), 2);
                assertThat(records).extracting(ConsumerRecord::key)
                        .containsExactly("photos/my cat+1.png", "photos/big/scan.tiff");
                JsonNode first = Json.parse(records.get(0).value());
                JsonNode second = Json.parse(records.get(1).value());
                assertThat(first.get("EventName").asText()).isEqualTo(Uploader.PUT);
                assertThat(first.at("/Records/0/s3/object/key").asText()).isEqualTo("my+cat%2B1.png");
                assertThat(first.at("/Records/0/s3/object/eTag").asText()).matches("[0-9a-f]{32}");
                assertThat(first.at("/Records/0/s3/object/size").asLong()).isEqualTo(small.length);
                assertThat(first.at("/Records/0/s3/object/contentType").asText()).isEqualTo("image/png");
                assertThat(second.get("EventName").asText()).isEqualTo(Uploader.COMPLETE_MULTIPART_UPLOAD);
                assertThat(second.at("/Records/0/s3/object/eTag").asText()).matches("[0-9a-f]{32}-2");
                assertThat(second.at("/Records/0/s3/object/key").asText()).isEqualTo("big%2Fscan.tiff");
                assertThat(second.at("/Records/0/s3/object/sequencer").asText())
                        .isGreaterThan(first.at("/Records/0/s3/object/sequencer").asText());
                assertThat(single.offset()).isLessThan(multi.offset());
                assertThat(records.get(0).value()).doesNotContain(s3.secretKey()).doesNotContain(s3.accessKey());
                assertThat(first.at("/Records/0/userIdentity/principalId").asText()).isEqualTo(Uploader.LOCAL_PRINCIPAL);
            }
        }
    }

    private static Uploader.ObjectEvent event(String key, String eTag, String sequencer) {
        return new Uploader.ObjectEvent(Uploader.PUT, "uploads", key, 42, eTag, "image/png", sequencer,
                Instant.parse("2026-07-01T10:00:00.123456Z"), "ACCESSKEY", "deployment-1", "http://127.0.0.1:9000");
    }

    private static List<ConsumerRecord<String, String>> consume(String bootstrapServers, int count) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                     new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(new TopicPartition("bucket-events", 0)));
            Await.until(Duration.ofSeconds(30), () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= count;
            }, count + " records on bucket-events");
        }
        return records;
    }
}
