package io.berth.common.concurrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ParallelTest {
    @Test
    void everyItemIsDoneOnceBeforeItReturns() {
        List<Integer> items = IntStream.range(0, 100).boxed().toList();
        Set<Integer> seen = ConcurrentHashMap.newKeySet();
        List<Integer> duplicates = new ArrayList<>();

        Parallel.forEach("test", 4, items, i -> {
            if (!seen.add(i)) {
                synchronized (duplicates) {
                    duplicates.add(i);
                }
            }
        });

        assertThat(seen).containsExactlyInAnyOrderElementsOf(items);
        assertThat(duplicates).isEmpty();
    }

    @Test
    void itemsRunAtTheSameTime() {
        // Each of the first three waits until all three have begun: only three threads at once get through.
        CountDownLatch begun = new CountDownLatch(3);
        Parallel.forEach("test", 3, List.of(1, 2, 3), i -> {
            begun.countDown();
            try {
                assertThat(begun.await(30, TimeUnit.SECONDS)).as("all three items running at once").isTrue();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void aFailureIsThrownAfterTheOtherItemsAreTriedWithTheRestSuppressed() {
        Set<Integer> done = ConcurrentHashMap.newKeySet();

        assertThatThrownBy(() -> Parallel.forEach("test", 2, List.of(1, 2, 3, 4, 5), i -> {
            if (i % 2 == 0) {
                throw new IllegalStateException("item " + i);
            }
            done.add(i);
        })).isInstanceOf(IllegalStateException.class)
                .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
        assertThat(done).containsExactlyInAnyOrder(1, 3, 5);
    }

    @Test
    void noItemsAndOneThreadAreFine() {
        Parallel.forEach("test", 4, List.<Integer>of(), i -> {
            throw new AssertionError("no item to run");
        });
        List<Integer> order = new ArrayList<>();
        Parallel.forEach("test", 1, List.of(1, 2, 3), order::add);
        assertThat(order).containsExactly(1, 2, 3);
    }
}
