package org.smartenergy.platform.e2e;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.smartenergy.platform.e2e.NodeProcesses.NodeProcess;
import org.smartenergy.platform.e2e.NodeProcesses.StreamResult;
import org.smartenergy.proto.v1.MeterGatewayGrpc;
import org.smartenergy.proto.v1.Reading;
import org.smartenergy.proto.v1.ReadingAck;

import java.nio.file.Files;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A gateway-only node and an ingestion-only node as separate processes in one cluster: readings in flight on the
 * ingestion node when it is SIGKILLed fail with UNAVAILABLE as soon as the cluster drops the member, not after
 * {@code gateway.ingestionTimeoutMs}. The timeout is set to 60 s and the outcome is awaited for 30 s at most, so the
 * test fails if the gateway waits for its timeout.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class IngestionMemberLossProcessIT {

    private NodeProcesses cluster;

    @AfterEach
    void tearDown() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void readingsInFlightFailAtOnceWhenTheirIngestionMemberLeavesTheCluster() throws Exception {
        // GIVEN node A (gateway) forwarding to node B (ingestion) with a 60 s ingestion timeout
        cluster = new NodeProcesses("IngestionMemberLossProcessIT", 2);
        Map<String, String> env = Map.of("SEP_GATEWAY_INGESTION_TIMEOUT_MS", "60000");
        NodeProcess a = cluster.start("a-gateway", "gateway", env);
        NodeProcess b = cluster.start("b-ingestion", "ingestion", env);
        String deviceId = "member-loss-" + cluster.suffix.substring(1, 9);
        String token = cluster.provision(a, deviceId);
        ManagedChannel channel = cluster.channel(a);
        Instant end = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        awaitForwarding(channel, token, PlatformHarness.reading(deviceId, end, 0.1, 0));

        // WHEN B is frozen (SIGSTOP), so readings sent to it stay unanswered, and then SIGKILLed
        signal(b, "STOP");
        MeterGatewayGrpc.MeterGatewayStub stub = MeterGatewayGrpc.newStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(auth(token)));
        List<ReadingAck> acks = new CopyOnWriteArrayList<>();
        CompletableFuture<Status> status = new CompletableFuture<>();
        StreamObserver<Reading> requests = stub.streamReadings(new StreamObserver<>() {
            @Override
            public void onNext(ReadingAck ack) {
                acks.add(ack);
            }

            @Override
            public void onError(Throwable t) {
                status.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                status.complete(Status.OK);
            }
        });
        for (int seq = 1; seq <= 10; seq++) {
            requests.onNext(PlatformHarness.reading(deviceId, end.plusSeconds(900L * seq), 0.1, seq));
        }
        Thread.sleep(1_000); // the readings reach B's socket and wait there
        assertThat(status).as("nothing answered while B is frozen").isNotDone();
        b.kill();

        // THEN the stream ends UNAVAILABLE, naming the member's departure, long before the 60 s timeout
        Status outcome = status.get(30, TimeUnit.SECONDS);
        assertThat(outcome.getCode()).as("%s", outcome).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(outcome.getDescription()).contains("left the cluster");
        assertThat(acks).as("no reading was acknowledged by the frozen node").isEmpty();
        requests.onCompleted();

        // AND the gateway logged no double completion of a promise
        String gatewayLog = Files.readString(a.log());
        assertThat(gatewayLog).doesNotContain("Promise already completed").doesNotContain("Result is already complete");
    }

    private static Metadata auth(String token) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return headers;
    }

    private static void signal(NodeProcess node, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(node.process().pid())).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).as("kill -%s", signal).isZero();
    }

    /** Sends a reading until it is accepted: the gateway's node has seen ingestion's consumer. */
    private static void awaitForwarding(ManagedChannel channel, String token, Reading reading) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            StreamResult result = NodeProcesses.stream(channel, token, List.of(reading), 1, n -> { });
            if (result.accepted().contains(reading.getSeq())) {
                return;
            }
            assertThat(System.nanoTime()).as("forwarding to ingestion within 30 s").isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
