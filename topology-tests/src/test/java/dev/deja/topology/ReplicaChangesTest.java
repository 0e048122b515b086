package dev.deja.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deja.model.EntryStatus;
import dev.deja.model.TableEntry;
import java.util.Queue;
import org.junit.jupiter.api.Test;

class ReplicaChangesTest {

    private static TableEntry done(String key) {
        return TableEntry.builder().dedupKey(key).status(EntryStatus.DONE).build();
    }

    @Test
    void shouldShareAnEntryOneTaskDecodedWithEveryOtherTaskOfTheProcess() {
        ReplicaChanges changes = new ReplicaChanges(10);
        long seen = changes.version();
        TableEntry entry = done("k");

        changes.share("k", entry, seen);

        assertThat(changes.decoded("k")).isSameAs(entry);
    }

    @Test
    void shouldNotShareAnEntryReadBeforeAChangeNorKeepOneAChangeDrops() {
        ReplicaChanges changes = new ReplicaChanges(10);
        Queue<String> reader = changes.listen();

        // read from the replica, then the writer changes the key before the reader shares what it read
        long seen = changes.version();
        TableEntry stale = done("k");
        changes.changed("k");
        changes.share("k", stale, seen);
        assertThat(changes.decoded("k")).isNull();

        // shared, then changed
        changes.share("j", done("j"), changes.version());
        changes.changed("j");
        assertThat(changes.decoded("j")).isNull();
        assertThat(reader).containsExactly("k", "j");
    }

    @Test
    void shouldCountAChangeAsQueuedOnlyOnceItsKeyIsInEveryReadersQueue() {
        ReplicaChanges changes = new ReplicaChanges(10);
        Queue<String> one = changes.listen();
        Queue<String> other = changes.listen();
        long before = changes.version();

        changes.changed("k");

        // a reader polls its queue only when this count moved since it last drained
        assertThat(changes.version()).isNotEqualTo(before);
        assertThat(one).containsExactly("k");
        assertThat(other).containsExactly("k");
        long drained = changes.version();
        one.clear();
        assertThat(changes.version()).as("no change since").isEqualTo(drained);
    }

    @Test
    void shouldShareNoMoreThanItsCapacity() {
        ReplicaChanges changes = new ReplicaChanges(2);
        for (String key : new String[] {"a", "b", "c"}) {
            changes.share(key, done(key), changes.version());
        }
        assertThat(changes.decoded("a")).isNotNull();
        assertThat(changes.decoded("b")).isNotNull();
        assertThat(changes.decoded("c")).isNull();
        assertThat(new ReplicaChanges(0)).satisfies(none -> {
            none.share("a", done("a"), none.version());
            assertThat(none.decoded("a")).isNull();
        });
    }
}
