package dev.deja.ops;

import dev.deja.model.OutputRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * The latest output records and dead-letter reasons of this process, for the status page: two bounded rings
 * ({@value #UPLOADS} outputs, {@value #DEAD_LETTERS} reasons), newest first when read. Recording one is a
 * clock read and an array store under a short lock: it runs on the stream threads for every answer.
 */
public final class RecentActivity {

    public static final int UPLOADS = 50;
    public static final int DEAD_LETTERS = 20;

    /** One output record and when this process produced it. */
    public record Answer(long timeMs, OutputRecord output) {
    }

    /** One dead letter's reason and when this process sent it. */
    public record Rejection(long timeMs, String reason) {
    }

    private final Ring<Answer> answers = new Ring<>(UPLOADS);
    private final Ring<Rejection> rejections = new Ring<>(DEAD_LETTERS);

    void answered(OutputRecord output) {
        answers.add(new Answer(System.currentTimeMillis(), output));
    }

    void deadLetter(String reason) {
        rejections.add(new Rejection(System.currentTimeMillis(), reason));
    }

    /** The latest answers, newest first. */
    public List<Answer> answers() {
        return answers.newestFirst();
    }

    /** The latest dead-letter reasons, newest first. */
    public List<Rejection> rejections() {
        return rejections.newestFirst();
    }

    private static final class Ring<T> {
        private final Object[] items;
        private long added;

        Ring(int capacity) {
            items = new Object[capacity];
        }

        synchronized void add(T item) {
            items[(int) (added++ % items.length)] = item;
        }

        @SuppressWarnings("unchecked")
        synchronized List<T> newestFirst() {
            int size = (int) Math.min(added, items.length);
            List<T> list = new ArrayList<>(size);
            for (long i = added - 1; i >= added - size; i--) {
                list.add((T) items[(int) (i % items.length)]);
            }
            return list;
        }
    }
}
