package dev.deja.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The dedup rule: one key per (action, action version, static parameters, content).
 * Format: {@code action@version#paramsHash:md5}, e.g.
 * {@code thumbnail@0.0.3#a1b2c3:9e107d9d372bb6826bd81d3542a419d6}.
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

    /** First 6 hex digits of the SHA-256 of the canonical (sorted-key) parameters JSON. */
    public static String paramsHash(String canonicalParamsJson) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(canonicalParamsJson.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 3);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
