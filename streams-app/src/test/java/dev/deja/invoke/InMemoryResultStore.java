package dev.deja.invoke;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Content-addressed {@link ResultStore} in memory, for tests. */
final class InMemoryResultStore implements ResultStore {

    private final Map<String, byte[]> objects = new ConcurrentHashMap<>();

    @Override
    public String put(byte[] json) {
        try {
            String key = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json));
            String ref = "s3://deja-results/" + key + ".json";
            objects.put(ref, json.clone());
            return ref;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public byte[] get(String ref) {
        byte[] json = objects.get(ref);
        if (json == null) {
            throw new IllegalArgumentException("no object " + ref);
        }
        return json.clone();
    }

    int size() {
        return objects.size();
    }
}
