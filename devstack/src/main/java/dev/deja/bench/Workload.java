package dev.deja.bench;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;

/**
 * The bench's input: a sequence of content numbers drawn from a Zipf distribution over
 * {@code contents} distinct contents. A content number becomes an MD5 through a salt, so the same
 * sequence can be replayed with contents new to the table (another salt) or already in it.
 */
public record Workload(List<Integer> sequence, int uniqueContents) {

    /** {@code events} draws from Zipf({@code contents}, {@code exponent}): rank 1 is the most frequent. */
    public static Workload zipf(int events, int contents, double exponent, long seed) {
        double[] cdf = new double[contents];
        double sum = 0;
        for (int rank = 1; rank <= contents; rank++) {
            sum += 1.0 / Math.pow(rank, exponent);
            cdf[rank - 1] = sum;
        }
        Random random = new Random(seed);
        List<Integer> sequence = new ArrayList<>(events);
        for (int i = 0; i < events; i++) {
            double u = random.nextDouble() * sum;
            int index = Arrays.binarySearch(cdf, u);
            sequence.add(index >= 0 ? index : Math.min(contents - 1, -index - 1));
        }
        return new Workload(List.copyOf(sequence), new HashSet<>(sequence).size());
    }

    /** {@code count} contents seen once each. */
    public static Workload distinct(int count) {
        List<Integer> sequence = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            sequence.add(i);
        }
        return new Workload(List.copyOf(sequence), count);
    }

    /** The distinct contents of this sequence, each once, in order of first appearance. */
    public Workload firstOfEach() {
        List<Integer> seen = new ArrayList<>(new java.util.LinkedHashSet<>(sequence));
        return new Workload(List.copyOf(seen), seen.size());
    }

    /** The first {@code count} events, wrapping around. */
    public Workload take(int count) {
        List<Integer> taken = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            taken.add(sequence.get(i % sequence.size()));
        }
        return new Workload(List.copyOf(taken), new HashSet<>(taken).size());
    }

    public int size() {
        return sequence.size();
    }

    /** The MD5 (the ETag of the synthetic object) of content {@code content} under {@code salt}. */
    public static String md5(String salt, int content) {
        try {
            byte[] digest = MessageDigest.getInstance("MD5")
                    .digest((salt + ":" + content).getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is missing from this JVM", e);
        }
    }
}
