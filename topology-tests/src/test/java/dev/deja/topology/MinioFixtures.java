package dev.deja.topology;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Bucket events exactly as MinIO's Kafka notification target writes them: the value is
 * {@code {"EventName", "Key", "Records": [...]}}, the object key inside is URL query-escaped, the
 * ETag has no quotes, and the sequencer is 16 upper-case hex digits.
 */
final class MinioFixtures {

    private MinioFixtures() {
    }

    static String created(String bucket, String key, String eTag, long size, String sequencer) {
        return event("s3:ObjectCreated:Put", bucket, key, eTag, size, sequencer, "");
    }

    static String removed(String bucket, String key, String sequencer) {
        String escaped = URLEncoder.encode(key, StandardCharsets.UTF_8);
        return """
                {"EventName":"s3:ObjectRemoved:Delete","Key":"%1$s/%2$s","Records":[{"eventVersion":"2.0",\
                "eventSource":"minio:s3","awsRegion":"","eventTime":"2026-11-23T10:15:30.120Z",\
                "eventName":"s3:ObjectRemoved:Delete","userIdentity":{"principalId":"minioadmin"},\
                "requestParameters":{"principalId":"minioadmin","region":"","sourceIPAddress":"172.18.0.1"},\
                "responseElements":{"content-length":"0","x-amz-id-2":"dd9025bab4ad464b049177c95eb6ebf374d3b3fd1af9251148b658df7ac2e3e8",\
                "x-amz-request-id":"187A9E2C9B5D3A10","x-minio-deployment-id":"4ae0b1f3-5ac9-4b84-a1ea-0a5c6e3b9f1d",\
                "x-minio-origin-endpoint":"http://172.18.0.3:9000"},"s3":{"s3SchemaVersion":"1.0","configurationId":"Config",\
                "bucket":{"name":"%1$s","ownerIdentity":{"principalId":"minioadmin"},"arn":"arn:aws:s3:::%1$s"},\
                "object":{"key":"%3$s","sequencer":"%4$s"}},"source":{"host":"172.18.0.1","port":"",\
                "userAgent":"MinIO (linux; amd64) minio-go/v7.0.70 mc/RELEASE.2024-06-12T14-34-03Z"}}]}
                """.formatted(bucket, key, escaped, sequencer).strip();
    }

    static String event(String eventName, String bucket, String key, String eTag, long size, String sequencer,
            String extraMetadata) {
        String escaped = URLEncoder.encode(key, StandardCharsets.UTF_8);
        return """
                {"EventName":"%1$s","Key":"%2$s/%3$s","Records":[{"eventVersion":"2.0","eventSource":"minio:s3",\
                "awsRegion":"","eventTime":"2026-11-23T10:15:30.120Z","eventName":"%1$s",\
                "userIdentity":{"principalId":"minioadmin"},"requestParameters":{"principalId":"minioadmin",\
                "region":"","sourceIPAddress":"172.18.0.1"},"responseElements":{"x-amz-id-2":\
                "dd9025bab4ad464b049177c95eb6ebf374d3b3fd1af9251148b658df7ac2e3e8","x-amz-request-id":"187A9E2C9B5D3A10",\
                "x-minio-deployment-id":"4ae0b1f3-5ac9-4b84-a1ea-0a5c6e3b9f1d","x-minio-origin-endpoint":"http://172.18.0.3:9000"},\
                "s3":{"s3SchemaVersion":"1.0","configurationId":"Config","bucket":{"name":"%2$s","ownerIdentity":\
                {"principalId":"minioadmin"},"arn":"arn:aws:s3:::%2$s"},"object":{"key":"%4$s","size":%5$d,\
                "eTag":"%6$s","contentType":"image/png","userMetadata":{"content-type":"image/png"%8$s},\
                "sequencer":"%7$s"}},"source":{"host":"172.18.0.1","port":"",\
                "userAgent":"MinIO (linux; amd64) minio-go/v7.0.70 mc/RELEASE.2024-06-12T14-34-03Z"}}]}
                """.formatted(eventName, bucket, key, escaped, size, eTag, sequencer, extraMetadata).strip();
    }
}
