package dev.deja.devstack;

import dev.deja.cli.ConfigOptions;
import dev.deja.config.DejaConfig;
import dev.deja.local.Uploader;
import dev.deja.s3.S3Clients;
import dev.deja.s3.S3Settings;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "upload", description = {
    "Upload files to S3 and publish their bucket notifications.",
    "Writes each object, then the event MinIO's Kafka target would publish (s3proxy sends none)."})
final class UploadCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Option(names = "--bucket", required = true, description = "Target bucket (created if missing).")
    String bucket;

    @Option(names = "--prefix", defaultValue = "", description = "Key prefix, e.g. 'holiday/'.")
    String prefix;

    @Option(names = "--multipart", description = "Upload in 5 MiB parts (files above 5 MiB get an md5-N ETag).")
    boolean multipart;

    @Parameters(paramLabel = "FILE", arity = "1..*")
    List<Path> files;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        DejaConfig deja = config.load();
        String endpoint = deja.getString(DejaConfig.S3_ENDPOINT_CONFIG);
        if (endpoint.isBlank()) {
            throw new ConfigException(DejaConfig.S3_ENDPOINT_CONFIG, endpoint, "upload needs the S3 endpoint");
        }
        S3Settings s3 = new S3Settings(endpoint, deja.secret(DejaConfig.S3_ACCESS_KEY_CONFIG),
                deja.secret(DejaConfig.S3_SECRET_KEY_CONFIG), deja.getString(DejaConfig.S3_REGION_CONFIG));
        Map<String, Object> props = new HashMap<>(deja.clientProperties());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        PrintWriter out = spec.commandLine().getOut();
        try (Producer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
             Uploader uploader = new Uploader(S3Clients.minio(s3, S3Clients.httpClient()), producer,
                     deja.getString(DejaConfig.INPUT_TOPIC_CONFIG), "deja-upload", endpoint)) {
            for (Path file : files) {
                Uploader.Uploaded uploaded = uploader.upload(bucket, prefix + file.getFileName(), Files.readAllBytes(file), multipart);
                out.printf("%s/%s  eTag %s  -> %s partition %d offset %d%n", bucket, prefix + file.getFileName(),
                        uploaded.event().eTag(), deja.getString(DejaConfig.INPUT_TOPIC_CONFIG), uploaded.partition(), uploaded.offset());
            }
        }
        return 0;
    }
}
