package org.smartenergy.platform.e2e;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.smartenergy.platform.e2e.NodeProcesses.NodeProcess;
import org.smartenergy.platform.e2e.NodeProcesses.StreamResult;
import org.smartenergy.proto.v1.Reading;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Failover across processes: a gateway-only node forwards to ingestion on another node over the clustered event bus;
 * that node is SIGKILLed mid-stream, a replacement joins, the logger resends what was not acknowledged, and MongoDB
 * ends up holding every reading exactly once.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ClusterFailoverProcessIT {

    private static final int READINGS = 2000;
    private static final int KILL_AFTER_ACCEPTED = READINGS / 3;

    private NodeProcesses cluster;

    @AfterEach
    void tearDown() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void noAcceptedReadingIsLostWhenTheIngestionNodeIsKilledAndResentReadingsAreStoredOnce(TestInfo test)
            throws Exception {
        long started = System.nanoTime();
        // GIVEN node A (gateway only) and node B (ingestion + billing) as separate processes in one cluster
        cluster = new NodeProcesses("ClusterFailoverProcessIT", 3);
        Map<String, String> env = Map.of(
                // a reading in flight on the killed node fails after 3 s instead of 15 s
                "SEP_GATEWAY_INGESTION_TIMEOUT_MS", "3000",
                "SEP_INGESTION_BATCH_MAX_READINGS", "50");
        NodeProcess a = cluster.start("a-gateway", "gateway", env);
        NodeProcess b = cluster.start("b-ingestion-billing", "ingestion,billing", env);
        String deviceId = "process-meter-" + cluster.suffix.substring(1, 9);
        String token = cluster.provision(a, deviceId);
        ManagedChannel channel = cluster.channel(a);
        Map<Long, Reading> readings = readings(deviceId);
        Set<Long> accepted = new HashSet<>();
        awaitForwarding(channel, token, readings.get(0L));
        accepted.add(0L);

        // WHEN the logger streams to A and B is SIGKILLed once a third of the readings were accepted
        AtomicBoolean killed = new AtomicBoolean();
        StreamResult first = NodeProcesses.stream(channel, token, without(readings, accepted).values(), 16,
                acceptedSoFar -> {
                    if (acceptedSoFar >= KILL_AFTER_ACCEPTED && killed.compareAndSet(false, true)) {
                        try {
                            b.kill();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                });
        accepted.addAll(first.accepted());

        // THEN the stream ended UNAVAILABLE part-way, and nothing was answered other than ACCEPTED
        assertThat(killed).as("B was killed mid-stream").isTrue();
        assertThat(first.status().getCode()).as("status of the interrupted stream: %s", first.status())
                .isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(first.notAccepted()).as("acks other than ACCEPTED").isEmpty();
        assertThat(accepted).hasSizeGreaterThanOrEqualTo(KILL_AFTER_ACCEPTED).hasSizeLessThan(READINGS);

        // WHEN node C (ingestion + billing) joins and the logger resends everything not acknowledged
        cluster.start("c-ingestion-billing", "ingestion,billing", env);
        int resends = resendUntilAccepted(channel, token, readings, accepted, Duration.ofSeconds(90));

        // THEN MongoDB holds every reading exactly once, with exact totals
        long expectedMwh = readings.values().stream().mapToLong(r -> Math.round(r.getUsageKwh() * 1_000_000)).sum();
        PlatformHarness.await("all readings are stored", Duration.ofSeconds(60),
                () -> count(cluster.buckets(deviceId)) >= READINGS);
        List<JsonObject> buckets = cluster.buckets(deviceId);
        Set<Long> storedSeqs = new HashSet<>();
        long storedEntries = 0;
        for (JsonObject bucket : buckets) {
            JsonObject entries = bucket.getJsonObject("readings");
            assertThat(bucket.getLong("count")).as("count of %s", bucket.getString("_id")).isEqualTo(entries.size());
            storedEntries += entries.size();
            entries.forEach(e -> storedSeqs.add(((JsonObject) e.getValue()).getLong("s")));
        }
        // an ACCEPTED reading is never resent, so one lost with node B would be missing here
        assertThat(storedSeqs).as("readings accepted before the kill").containsAll(first.accepted());
        assertThat(storedSeqs).as("stored readings").isEqualTo(readings.keySet());
        assertThat(storedEntries).isEqualTo(READINGS);
        assertThat(count(buckets)).as("sum of bucket counts").isEqualTo(READINGS);
        assertThat(buckets.stream().mapToLong(bk -> bk.getLong("total")).sum()).as("sum of totals in mWh")
                .isEqualTo(expectedMwh);
        System.out.printf("%s: accepted before the kill %d of %d, resend calls %d, took %d ms%n",
                test.getDisplayName(), first.accepted().size() + 1, READINGS, resends,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    /** Readings 0..N-1 of one device, 15 minutes apart, ending now; distinct amounts so a double count shows. */
    private static Map<Long, Reading> readings(String deviceId) {
        Instant end = Instant.now().truncatedTo(ChronoUnit.HOURS);
        Map<Long, Reading> readings = new LinkedHashMap<>();
        for (long seq = 0; seq < READINGS; seq++) {
            Instant at = end.minus(Duration.ofMinutes(15 * (READINGS - seq)));
            readings.put(seq, PlatformHarness.reading(deviceId, at, ((seq % 40) + 1) / 1000.0, seq));
        }
        return readings;
    }

    /** Sends the first reading until it is accepted: the gateway's node has seen ingestion's consumer. */
    private static void awaitForwarding(ManagedChannel channel, String token, Reading reading) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            StreamResult result = NodeProcesses.stream(channel, token, List.of(reading), 1, n -> { });
            if (result.accepted().contains(reading.getSeq())) {
                return;
            }
            assertThat(result.status().getCode()).as("%s", result.status())
                    .isIn(Status.Code.OK, Status.Code.UNAVAILABLE);
            assertThat(System.nanoTime()).as("forwarding to ingestion within 30 s").isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** Resends what is not accepted, on new calls, until everything is: returns the number of calls. */
    static int resendUntilAccepted(ManagedChannel channel, String token, Map<Long, Reading> readings,
                                   Set<Long> accepted, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        int calls = 0;
        while (accepted.size() < readings.size()) {
            assertThat(System.nanoTime()).as("every reading accepted within %s", timeout).isLessThan(deadline);
            calls++;
            StreamResult result = NodeProcesses.stream(channel, token, without(readings, accepted).values(), 64,
                    n -> { });
            accepted.addAll(result.accepted());
            assertThat(result.notAccepted()).as("acks other than ACCEPTED").isEmpty();
            assertThat(result.status().getCode()).as("%s", result.status())
                    .isIn(Status.Code.OK, Status.Code.UNAVAILABLE);
            if (result.status().getCode() != Status.Code.OK) {
                Thread.sleep(200);
            }
        }
        return calls;
    }

    private static Map<Long, Reading> without(Map<Long, Reading> readings, Set<Long> accepted) {
        Map<Long, Reading> rest = new LinkedHashMap<>(readings);
        rest.keySet().removeAll(accepted);
        return rest;
    }

    static long count(List<JsonObject> buckets) {
        return buckets.stream().mapToLong(b -> b.getLong("count", 0L)).sum();
    }
}
