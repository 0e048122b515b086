package dev.deja.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The profile's CPU per thread group is only as right as the grouping of thread names. */
class RoundProfileTest {

    @Test
    void shouldTellEachAppsThreadsApartAndCountTheFeedsProducerAsTheBenchsNotDejas() {
        assertThat(RoundProfile.group("kafka-producer-network-thread | " + EventFeed.CLIENT_ID))
                .isEqualTo("bench: event feed and output watcher");
        assertThat(RoundProfile.group("kafka-producer-network-thread | " + Bench.DEJA_APPLICATION_ID
                + "-4f1c2a77-8a52-4c1e-9e4f-2f5ab1c0d001-StreamThread-1-producer")).isEqualTo("Deja: producer I/O");
        assertThat(RoundProfile.group(Bench.DEJA_APPLICATION_ID + "-4f1c2a77-8a52-4c1e-9e4f-2f5ab1c0d001-StreamThread-1"))
                .isEqualTo("Deja: stream threads");
        assertThat(RoundProfile.group(Bench.DEJA_APPLICATION_ID + "-invoker-4f1c2a77-8a52-4c1e-9e4f-2f5ab1c0d001-StreamThread-1"))
                .isEqualTo("Deja: invoker");
        assertThat(RoundProfile.group("kafka-producer-network-thread | " + PassThrough.APPLICATION_ID
                + "-4f1c2a77-8a52-4c1e-9e4f-2f5ab1c0d001-StreamThread-1-producer")).isEqualTo("pass-through: producer I/O");
        assertThat(RoundProfile.group("OkHttp Dispatcher")).isEqualTo("Deja: OpenWhisk client");
        assertThat(RoundProfile.group("deja-action-3")).isEqualTo("action host (the fake OpenWhisk)");
        assertThat(RoundProfile.group("data-plane-kafka-request-handler-0")).isEqualTo("broker and other threads");
    }
}
