package dev.deja.invoke;

/**
 * Object store for results too large to travel inline in a Kafka record (claim check).
 * Implementations are content-addressed: the same bytes always get the same reference.
 * Both methods may block on I/O; the {@link Invoker} calls {@link #put} off the stream thread.
 */
public interface ResultStore {

    /**
     * Stores a result's JSON bytes.
     *
     * @return a reference such as {@code s3://bucket/key}
     * @throws RuntimeException when the store cannot be written
     */
    String put(byte[] json);

    /**
     * Reads back the bytes stored under a reference returned by {@link #put}.
     *
     * @throws RuntimeException when the reference is unknown or the store cannot be read
     */
    byte[] get(String ref);
}
