package org.smartenergy.platform.e2e;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.smartenergy.platform.e2e.NodeProcesses.NodeProcess;
import org.smartenergy.proto.v1.MeterGatewayGrpc;
import org.smartenergy.proto.v1.Reading;
import org.smartenergy.proto.v1.ReadingAck;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Revoking a device's token (rotation, disabling, deletion) through one node's operator API takes effect on the
 * other node within 1 s, although both nodes had the token in their caches (TTL 300 s): the
 * {@code energy.devices.revoked} broadcast over the clustered event bus.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DeviceRevocationProcessIT {

    private static final Duration WITHIN = Duration.ofSeconds(1);

    private NodeProcesses cluster;
    private final AtomicLong seq = new AtomicLong();
    private final Instant end = Instant.now().truncatedTo(ChronoUnit.HOURS);

    @AfterEach
    void tearDown() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void rotationDisablingAndDeletionThroughOneNodeAreRefusedOnTheOtherWithinASecond() throws Exception {
        // GIVEN two gateway nodes (A also stores readings), and a device whose token both have cached
        cluster = new NodeProcesses("DeviceRevocationProcessIT", 2);
        NodeProcess a = cluster.start("a-gateway-ingestion-billing", "gateway,ingestion,billing", Map.of());
        NodeProcess b = cluster.start("b-gateway-ingestion", "gateway,ingestion", Map.of());
        String deviceId = "revoked-meter-" + cluster.suffix.substring(1, 9);
        String token = cluster.provision(a, deviceId);
        ManagedChannel channelA = cluster.channel(a);
        ManagedChannel channelB = cluster.channel(b);
        awaitAccepted(channelA, token, deviceId);
        awaitAccepted(channelB, token, deviceId);
        // AND a stream open on B with that token, its first reading acked
        OpenStream stream = new OpenStream(channelB, token);
        stream.send(next(deviceId));
        PlatformHarness.await("the stream's first ack", Duration.ofSeconds(10), () -> stream.acks.size() == 1);

        // WHEN the token is rotated through A's API
        JsonObject rotated = call(a, "POST", "/api/v1/devices/" + deviceId + "/token", null, 200);
        String fresh = rotated.getString("token");
        // THEN B refuses the old token within 1 s, ends the open stream, and accepts the new token
        PlatformHarness.await("B refuses the rotated token", WITHIN,
                () -> send(channelB, token, deviceId) == Status.Code.UNAUTHENTICATED);
        assertThat(stream.done.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(send(channelA, token, deviceId)).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(send(channelB, fresh, deviceId)).isEqualTo(Status.Code.OK);
        assertThat(send(channelA, fresh, deviceId)).isEqualTo(Status.Code.OK);

        // WHEN the device is disabled through B's API THEN A refuses it within 1 s; enabled again, A accepts it
        call(b, "PATCH", "/api/v1/devices/" + deviceId, new JsonObject().put("enabled", false), 200);
        PlatformHarness.await("A refuses the disabled device", WITHIN,
                () -> send(channelA, fresh, deviceId) == Status.Code.PERMISSION_DENIED);
        call(b, "PATCH", "/api/v1/devices/" + deviceId, new JsonObject().put("enabled", true), 200);
        PlatformHarness.await("A accepts the enabled device", WITHIN,
                () -> send(channelA, fresh, deviceId) == Status.Code.OK);

        // WHEN the device is deleted through A's API, once its readings are stored
        long accepted = acceptedReadings.get() + stream.acks.size();
        PlatformHarness.await("the accepted readings are stored", Duration.ofSeconds(60),
                () -> ClusterFailoverProcessIT.count(cluster.buckets(deviceId)) >= accepted);
        long stored = ClusterFailoverProcessIT.count(cluster.buckets(deviceId));
        call(a, "DELETE", "/api/v1/devices/" + deviceId, null, 204);
        // THEN B refuses its token within 1 s, the device is gone on both, and its readings are kept
        PlatformHarness.await("B refuses the deleted device's token", WITHIN,
                () -> send(channelB, fresh, deviceId) == Status.Code.UNAUTHENTICATED);
        call(b, "GET", "/api/v1/devices/" + deviceId, null, 404);
        assertThat(ClusterFailoverProcessIT.count(cluster.buckets(deviceId))).isEqualTo(stored);
    }

    /** Readings SendReading got accepted so far (to be stored). */
    private final AtomicLong acceptedReadings = new AtomicLong();

    private Reading next(String deviceId) {
        long s = seq.getAndIncrement();
        return PlatformHarness.reading(deviceId, end.minus(Duration.ofMinutes(15 * (1000 - s))), 0.001, s);
    }

    /** Sends one reading until accepted (ingestion may need a moment after the node is ready). */
    private void awaitAccepted(ManagedChannel channel, String token, String deviceId) throws Exception {
        PlatformHarness.await("a reading is accepted", Duration.ofSeconds(30),
                () -> send(channel, token, deviceId) == Status.Code.OK);
    }

    /** @return OK if the reading was accepted, else the status code of the refusal */
    private Status.Code send(ManagedChannel channel, String token, String deviceId) {
        try {
            ReadingAck ack = MeterGatewayGrpc.newBlockingStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers(token)))
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .sendReading(next(deviceId));
            assertThat(ack.getOutcome()).isEqualTo(ReadingAck.Outcome.ACCEPTED);
            acceptedReadings.incrementAndGet();
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }

    private JsonObject call(NodeProcess node, String method, String path, JsonObject body, int expected)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
                .timeout(Duration.ofSeconds(10))
                .header("authorization", "Bearer " + cluster.adminToken());
        if (body != null) {
            request.header("content-type", "application/json");
        }
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body.encode()));
        HttpResponse<String> response = cluster.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s %s: %s", method, path, response.body()).isEqualTo(expected);
        return response.body().isEmpty() ? new JsonObject() : new JsonObject(response.body());
    }

    private static Metadata headers(String token) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return headers;
    }

    /** A StreamReadings call kept open by the test. */
    private static final class OpenStream {
        final Queue<ReadingAck> acks = new ConcurrentLinkedQueue<>();
        final CompletableFuture<Status> done = new CompletableFuture<>();
        private final StreamObserver<Reading> requests;

        OpenStream(ManagedChannel channel, String token) {
            requests = MeterGatewayGrpc.newStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers(token)))
                    .streamReadings(new StreamObserver<>() {
                        @Override
                        public void onNext(ReadingAck ack) {
                            acks.add(ack);
                        }

                        @Override
                        public void onError(Throwable t) {
                            done.complete(Status.fromThrowable(t));
                        }

                        @Override
                        public void onCompleted() {
                            done.complete(Status.OK);
                        }
                    });
        }

        void send(Reading reading) {
            requests.onNext(reading);
        }
    }
}
