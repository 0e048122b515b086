package dev.deja.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The dedup rule: one key per (action, action version, static parameters, content).
 * Format: {@code action@version#paramsHash:md5}, e.g.
 * {@code thumbnail@0.0.3+1764584131000#a1b2c3d4e5f60718:9e107d9d372bb6826bd81d3542a419d6}.
 *
 * <p>The version is the action's as OpenWhisk reports it, plus {@code +} and the action's {@code
 * updated} time where OpenWhisk gives one ({@link #functionVersion}): an action deleted and created
 * again starts at version 0.0.1 again, and must not be answered for by the old code's results.
 */
public final class DedupKey {

    private DedupKey() {
    }

    public static String of(String action, String version, String paramsHash, String md5) {
        return action + "@" + version + "#" + paramsHash + ":" + md5;
    }

    /** The content MD5 part of a key. */
    public static String md5Of(String dedupKey) {
        return dedupKey.substring(dedupKey.lastIndexOf(':') + 1);
    }

    /**
     * The version part of a key: OpenWhisk's {@code version}, and {@code +updated} (the action's
     * last update, epoch ms) when known.
     */
    public static String functionVersion(String version, Long updatedMs) {
        return updatedMs == null ? version : version + "+" + updatedMs;
    }

    /**
     * First 16 hex digits (64 bits) of the SHA-256 of the canonical (sorted-key) parameters JSON:
     * two parameter sets of one action share a key about once in 2^64 pairs.
     */
    public static String paramsHash(String canonicalParamsJson) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(canonicalParamsJson.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
