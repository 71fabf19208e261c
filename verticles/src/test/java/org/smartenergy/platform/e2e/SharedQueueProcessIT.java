package org.smartenergy.platform.e2e;

import io.grpc.ManagedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.smartenergy.platform.e2e.NodeProcesses.NodeProcess;
import org.smartenergy.proto.v1.Reading;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Billing scales out: billing consumers on two node processes share the queue, and together store everything once. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SharedQueueProcessIT {

    private static final int READINGS = 1500;
    private static final String STORED = "energy_readings_stored_total";

    private NodeProcesses cluster;

    @AfterEach
    void tearDown() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void twoBillingNodesBothConsumeAndTogetherStoreEveryReadingOnce() throws Exception {
        // GIVEN a gateway + ingestion node and two billing-only nodes; small batches and prefetch, so the queue
        // holds many messages for the broker to spread over both consumers
        cluster = new NodeProcesses("SharedQueueProcessIT", 3);
        Map<String, String> env = Map.of(
                "SEP_INGESTION_BATCH_MAX_READINGS", "10",
                "SEP_BILLING_PREFETCH", "2");
        NodeProcess front = cluster.start("a-gateway-ingestion", "gateway,ingestion", env);
        NodeProcess billing1 = cluster.start("b-billing", "billing", env);
        NodeProcess billing2 = cluster.start("c-billing", "billing", env);
        String deviceId = "shared-meter-" + cluster.suffix.substring(1, 9);
        String token = cluster.provision(front, deviceId);
        ManagedChannel channel = cluster.channel(front);
        Instant end = Instant.now().truncatedTo(ChronoUnit.HOURS);
        Map<Long, Reading> readings = new LinkedHashMap<>();
        for (long seq = 0; seq < READINGS; seq++) {
            readings.put(seq, PlatformHarness.reading(deviceId, end.minus(Duration.ofMinutes(15 * (READINGS - seq))),
                    ((seq % 25) + 1) / 1000.0, seq));
        }

        // WHEN a logger streams every reading (resending what a call could not deliver)
        Set<Long> accepted = new HashSet<>();
        ClusterFailoverProcessIT.resendUntilAccepted(channel, token, readings, accepted, Duration.ofSeconds(60));

        // THEN both billing nodes stored some, their sum is exact, and MongoDB holds each reading once
        PlatformHarness.await("all readings are stored", Duration.ofSeconds(60),
                () -> ClusterFailoverProcessIT.count(cluster.buckets(deviceId)) >= READINGS);
        double stored1 = cluster.metric(billing1, STORED);
        double stored2 = cluster.metric(billing2, STORED);
        assertThat(stored1).as("stored by %s", billing1.name()).isPositive();
        assertThat(stored2).as("stored by %s", billing2.name()).isPositive();
        assertThat(stored1 + stored2).as("stored by both").isEqualTo(READINGS);
        assertThat(ClusterFailoverProcessIT.count(cluster.buckets(deviceId))).isEqualTo(READINGS);
        long expectedMwh = readings.values().stream().mapToLong(r -> Math.round(r.getUsageKwh() * 1_000_000)).sum();
        assertThat(cluster.buckets(deviceId).stream().mapToLong(b -> b.getLong("total")).sum())
                .isEqualTo(expectedMwh);
        System.out.printf("shared queue: %s stored %.0f, %s stored %.0f%n",
                billing1.name(), stored1, billing2.name(), stored2);
    }
}
