package dev.deja.local;

import dev.deja.action.ThumbnailAction;
import dev.deja.config.DejaConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded stack of {@code deja local}, the demo, the whole-stack tests and the bench: a real
 * Kafka broker (KRaft), s3proxy, an OpenWhisk-compatible action host running the thumbnail action,
 * and pouchdb-server when Node is installed. Every port is chosen free at start.
 */
public final class LocalStack implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);
    public static final String ACTION = "thumbnail";
    public static final String ACTION_VERSION = "0.0.1";
    public static final String PHOTOS = "photos";
    public static final String THUMBNAILS = "thumbnails";

    private final Path dataDir;
    private final EmbeddedKafka kafka;
    private final LocalS3 s3;
    private final ActionHost actions;
    private final LocalCouch couch;

    private LocalStack(Path dataDir, EmbeddedKafka kafka, LocalS3 s3, ActionHost actions, LocalCouch couch) {
        this.dataDir = dataDir;
        this.kafka = kafka;
        this.s3 = s3;
        this.actions = actions;
        this.couch = couch;
    }

    /** What to start. */
    public record Options(boolean couch, int actionConcurrency, Duration actionLatency) {
        public static Options defaults() {
            return new Options(true, 100, Duration.ZERO);
        }
    }

    public static LocalStack start(Path dataDir, Options options) {
        EmbeddedKafka kafka = null;
        LocalS3 s3 = null;
        ActionHost actions = null;
        try {
            Files.createDirectories(dataDir);
            kafka = EmbeddedKafka.start(dataDir.resolve("kafka"));
            s3 = LocalS3.start(dataDir.resolve("s3"));
            ThumbnailAction.defaultS3(s3.endpoint(), s3.accessKey(), s3.secretKey(), null);
            actions = ActionHost.start(new ActionHost.Options("guest", options.actionConcurrency(), Duration.ofSeconds(60)));
            actions.register(ACTION, ACTION_VERSION, ThumbnailAction::main);
            if (!options.actionLatency().isZero()) {
                actions.latency(ACTION, options.actionLatency());
            }
            LocalCouch couch = null;
            if (options.couch()) {
                Optional<LocalCouch> started = LocalCouch.start(null, dataDir.resolve("couchdb"), LocalCouch.DEFAULT_START_TIMEOUT);
                couch = started.orElse(null);
                if (couch == null) {
                    LOG.warn("no CouchDB-API server (it needs Node.js and the checkout's scripts/pouchdb-server): running without the mirror");
                }
            }
            return new LocalStack(dataDir, kafka, s3, actions, couch);
        } catch (IOException | RuntimeException e) {
            closeQuietly(actions);
            closeQuietly(s3);
            closeQuietly(kafka);
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    /**
     * Deja's settings for this stack, secrets left out: {@link #writeConfig(Path)} puts those in
     * files of their own, readable by the owner only.
     */
    public Map<String, String> settings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(DejaConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        settings.put(DejaConfig.STATE_DIR_CONFIG, dataDir.resolve("state").toString());
        settings.put(DejaConfig.PARTITIONS_CONFIG, "4");
        settings.put(DejaConfig.RULES_CONFIG, "thumbs");
        settings.put("deja.rule.thumbs.action", ACTION);
        settings.put("deja.rule.thumbs.bucket", PHOTOS);
        settings.put("deja.rule.thumbs.params", "{\"maxWidth\":128,\"outputBucket\":\"" + THUMBNAILS + "\"}");
        settings.put(DejaConfig.OPENWHISK_API_HOST_CONFIG, actions.url());
        settings.put(DejaConfig.OPENWHISK_NAMESPACE_CONFIG, actions.namespace());
        settings.put(DejaConfig.S3_ENDPOINT_CONFIG, s3.endpoint());
        settings.put(DejaConfig.ADMIN_ADDRESS_CONFIG, "127.0.0.1:0");
        if (couch != null) {
            settings.put(DejaConfig.MIRROR_ENABLED_CONFIG, "true");
            settings.put(DejaConfig.COUCHDB_URL_CONFIG, couch.url());
        }
        return settings;
    }

    /** Settings with the secrets inline: for in-process use only (tests, demo, bench), never printed. */
    public Map<String, String> settingsWithSecrets() {
        Map<String, String> settings = new LinkedHashMap<>(settings());
        settings.put(DejaConfig.OPENWHISK_AUTH_CONFIG, actions.apiKey());
        settings.put(DejaConfig.S3_ACCESS_KEY_CONFIG, s3.accessKey());
        settings.put(DejaConfig.S3_SECRET_KEY_CONFIG, s3.secretKey());
        return settings;
    }

    /** Writes a config file for {@code deja run}; secrets go to {@code secrets/} beside it (mode 600). */
    public Path writeConfig(Path file) {
        try {
            Path secrets = file.toAbsolutePath().getParent().resolve("secrets");
            Files.createDirectories(secrets);
            Map<String, String> settings = new LinkedHashMap<>(settings());
            settings.put(DejaConfig.OPENWHISK_AUTH_CONFIG + ".file", secret(secrets.resolve("openwhisk.auth"), actions.apiKey()));
            settings.put(DejaConfig.S3_ACCESS_KEY_CONFIG + ".file", secret(secrets.resolve("s3.access.key"), s3.accessKey()));
            settings.put(DejaConfig.S3_SECRET_KEY_CONFIG + ".file", secret(secrets.resolve("s3.secret.key"), s3.secretKey()));
            String text = "# Written by 'deja local': settings for 'deja run --config " + file + "'\n"
                    + settings.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue().replace("\\", "\\\\"))
                            .collect(Collectors.joining("\n")) + "\n";
            Files.writeString(file, text);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String secret(Path file, String value) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, value);
        return file.toString();
    }

    public Uploader uploader(String topic) {
        return Uploader.create(s3, kafka.bootstrapServers(), topic);
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public LocalS3 s3() {
        return s3;
    }

    public ActionHost actions() {
        return actions;
    }

    public Optional<LocalCouch> couch() {
        return Optional.ofNullable(couch);
    }

    public Path dataDir() {
        return dataDir;
    }

    @Override
    public void close() {
        closeQuietly(couch);
        closeQuietly(actions);
        closeQuietly(s3);
        closeQuietly(kafka);
    }

    private static void closeQuietly(AutoCloseable resource) {
        if (resource == null) {
            return;
        }
        try {
            resource.close();
        } catch (Exception e) {
            LOG.warn("closing {}: {}", resource.getClass().getSimpleName(), e.toString());
        }
    }
}
