package dev.deja.local;

import dev.deja.s3.S3Clients;
import dev.deja.s3.S3Settings;
import io.minio.MinioClient;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import okhttp3.OkHttpClient;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An S3 server in this JVM (s3proxy) on {@code 127.0.0.1} and a port chosen free at start.
 *
 * <p>Objects live on the file system under a data directory, or in memory ({@link #start(Path)}
 * with {@code null}). Requests are signed (AWS V2 or V4) with an access key and secret key
 * generated at start; they are never logged. Multipart uploads get {@code <md5 of md5s>-N} ETags,
 * as on MinIO and AWS.
 */
public final class LocalS3 implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalS3.class);
    private static final char[] KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".toCharArray();
    private static final char[] SECRET_ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private final S3Proxy proxy;
    private final S3Settings settings;
    private final OkHttpClient http;
    private final MinioClient client;
    private boolean closed;

    private LocalS3(S3Proxy proxy, S3Settings settings) {
        this.proxy = proxy;
        this.settings = settings;
        this.http = S3Clients.httpClient();
        this.client = S3Clients.minio(settings, http);
    }

    /**
     * Starts the server.
     *
     * @param dataDir where buckets are kept (created if missing, kept on close); {@code null} to
     *                keep everything in memory
     */
    public static LocalS3 start(Path dataDir) {
        BlobStore blobStore;
        if (dataDir == null) {
            blobStore = new TransientNio2BlobStore();
        } else {
            try {
                blobStore = new FilesystemNio2BlobStore(Files.createDirectories(dataDir).toString());
            } catch (IOException e) {
                throw new IllegalStateException("cannot create the S3 data directory: " + e.getMessage(), e);
            }
        }
        SecureRandom random = new SecureRandom();
        String accessKey = randomString(random, KEY_ALPHABET, 20);
        String secretKey = randomString(random, SECRET_ALPHABET, 40);
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(blobStore)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                .build();
        try {
            proxy.start();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!"STARTED".equals(proxy.getState())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("s3proxy did not start; state " + proxy.getState());
                }
                Thread.sleep(5);
            }
        } catch (Exception e) {
            stopQuietly(proxy);
            throw new IllegalStateException("cannot start s3proxy: " + e.getMessage(), e);
        }
        S3Settings settings = new S3Settings("http://127.0.0.1:" + proxy.getPort(), accessKey, secretKey,
                S3Settings.DEFAULT_REGION);
        LOG.info("S3 server started at {} ({})", settings.endpoint(),
                dataDir == null ? "in memory" : "data in " + dataDir);
        return new LocalS3(proxy, settings);
    }

    /** Base URL, e.g. {@code http://127.0.0.1:41234}. */
    public String endpoint() {
        return settings.endpoint();
    }

    public String accessKey() {
        return settings.accessKey();
    }

    public String secretKey() {
        return settings.secretKey();
    }

    /** Endpoint, keys and region together. */
    public S3Settings settings() {
        return settings;
    }

    /** A client of this server, shared; closed with it. */
    public MinioClient client() {
        return client;
    }

    /** The HTTP client behind {@link #client()}, to build more clients on the same pool. */
    public OkHttpClient httpClient() {
        return http;
    }

    /** Stops the server. The data directory, if any, is kept. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopQuietly(proxy);
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
        LOG.info("S3 server at {} stopped", settings.endpoint());
    }

    private static void stopQuietly(S3Proxy proxy) {
        try {
            proxy.stop();
        } catch (Exception e) {
            LOG.warn("s3proxy stop failed: {}", e.toString());
        }
    }

    private static String randomString(SecureRandom random, char[] alphabet, int length) {
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = alphabet[random.nextInt(alphabet.length)];
        }
        return new String(chars);
    }
}
