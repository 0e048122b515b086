package dev.deja.invoke;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

    private static final Duration OPEN = Duration.ofSeconds(10);

    private final MutableClock clock = new MutableClock(1_000_000L);

    @Test
    void shouldOpenWhenConsecutiveFailuresReachThreshold() {
        // given
        CircuitBreaker breaker = new CircuitBreaker(3, OPEN, 1, clock);

        // when
        breaker.tryAcquire().onFailure();
        breaker.tryAcquire().onFailure();
        breaker.tryAcquire().onSuccess();
        breaker.tryAcquire().onFailure();
        breaker.tryAcquire().onFailure();
        CircuitBreaker.State afterFourFailuresSplitBySuccess = breaker.state();
        breaker.tryAcquire().onFailure();

        // then
        assertThat(afterFourFailuresSplitBySuccess).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(breaker.admits()).isFalse();
        assertThat(breaker.tryAcquire()).isNull();
    }

    @Test
    void shouldAdmitLimitedProbesAndCloseWhenCoolDownHasPassed() {
        // given
        CircuitBreaker breaker = new CircuitBreaker(1, OPEN, 2, clock);
        breaker.tryAcquire().onFailure();
        clock.advance(OPEN.minusMillis(1));
        assertThat(breaker.tryAcquire()).isNull();

        // when
        clock.advance(Duration.ofMillis(1));
        CircuitBreaker.Permit first = breaker.tryAcquire();
        CircuitBreaker.Permit second = breaker.tryAcquire();
        CircuitBreaker.Permit third = breaker.tryAcquire();

        // then
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(first.probe()).isTrue();
        assertThat(second).isNotNull();
        assertThat(third).isNull();
        first.onSuccess();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(breaker.admits()).isFalse();
        second.onSuccess();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void shouldReopenWhenProbeFails() {
        // given
        CircuitBreaker breaker = new CircuitBreaker(1, OPEN, 1, clock);
        breaker.tryAcquire().onFailure();
        clock.advance(OPEN);

        // when
        breaker.tryAcquire().onFailure();

        // then
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        clock.advance(OPEN.minusMillis(1));
        assertThat(breaker.admits()).isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(breaker.admits()).isTrue();
    }

    @Test
    void shouldIgnoreLateOutcomeWhenPermitPredatesTheOutage() {
        // given
        CircuitBreaker breaker = new CircuitBreaker(1, OPEN, 1, clock);
        CircuitBreaker.Permit slow = breaker.tryAcquire();
        breaker.tryAcquire().onFailure();
        clock.advance(OPEN);
        CircuitBreaker.Permit probe = breaker.tryAcquire();

        // when
        slow.onSuccess();

        // then
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        probe.onSuccess();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void shouldCountEveryFailureWhenReportedFromManyThreads() throws Exception {
        // given
        int threads = 8;
        int perThread = 250;
        CircuitBreaker breaker = new CircuitBreaker(threads * perThread, OPEN, 1, clock);
        List<CircuitBreaker.Permit> permits = new ArrayList<>();
        for (int i = 0; i < threads * perThread; i++) {
            permits.add(breaker.tryAcquire());
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);

        // when
        try {
            for (int t = 0; t < threads; t++) {
                List<CircuitBreaker.Permit> slice = permits.subList(t * perThread, (t + 1) * perThread);
                pool.submit(() -> {
                    start.await();
                    slice.forEach(CircuitBreaker.Permit::onFailure);
                    return null;
                });
            }
            start.countDown();
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }

        // then
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
    }
}
