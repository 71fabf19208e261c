package org.smartenergy.platform.cli;

import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.smartenergy.platform.billing.BillingVerticle;
import org.smartenergy.platform.billing.MongoSettings;
import org.smartenergy.platform.bench.Simulation;
import org.smartenergy.platform.node.ConfigLoader;
import org.smartenergy.proto.v1.MeterGatewayGrpc;
import org.smartenergy.proto.v1.Reading;
import org.smartenergy.proto.v1.ReadingAck;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code standalone} mode in-process: embedded Broker-J, redis-server and mongo-java-server on free ports, a temp
 * data folder, a short simulator run. Readings must flow end to end through the production wiring, and what is
 * stored must still be there after a restart on the same folder.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class StandaloneModeIT {

    private static final int DEVICES = 2;
    private static final int READINGS_PER_DEVICE = 20;

    @TempDir
    Path dataDir;

    private JsonObject config(boolean simulator) {
        JsonObject config = ConfigLoader.load(null, Map.of());
        config.getJsonObject("node").put("metricsPort", 0).put("metricsHost", "127.0.0.1");
        config.getJsonObject("gateway").put("grpcPort", 0).put("httpPort", 0).put("host", "127.0.0.1");
        config.getJsonObject("standalone").put("dataDir", dataDir.toString())
                .put("amqpPort", 0).put("redisPort", 0).put("mongoPort", 0);
        config.getJsonObject("standalone").getJsonObject("simulator").put("enabled", simulator)
                .put("devices", DEVICES).put("ratePerDevice", 20.0).put("readingsPerDevice", READINGS_PER_DEVICE)
                .put("duplicatePercent", 0.0).put("outOfOrderPercent", 0.0).put("invalidPercent", 0.0);
        return config;
    }

    @Test
    void simulatorAndGrpcReadingsAreStoredInTheEmbeddedStoreAndSurviveARestart() throws Exception {
        // GIVEN the platform in standalone mode with a short simulator run
        Instant end = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(15, ChronoUnit.MINUTES);
        String deviceId = "it-meter-" + System.nanoTime();
        Vertx vertx = Vertx.vertx();
        try (Standalone standalone = Standalone.start(config(true))) {
            // THEN every simulated reading is received, accepted and stored
            long expected = (long) DEVICES * READINGS_PER_DEVICE;
            Simulation simulation = (Simulation) standalone.simulation();
            assertThat(simulation.await(Duration.ofSeconds(60))).as("simulator finished").isTrue();
            waitUntil(() -> standalone.count(BillingVerticle.STORED_METRIC) >= expected, Duration.ofSeconds(30));
            assertThat(simulation.stats().accepted()).isEqualTo(expected);
            assertThat(simulation.stats().failedCalls()).isEmpty();
            assertThat(standalone.count("energy.readings.received")).isEqualTo(expected);
            assertThat(standalone.count(BillingVerticle.STORED_METRIC)).isEqualTo(expected);

            // WHEN the test provisions a device and sends one reading through gRPC
            String token = provision(standalone, deviceId);
            ReadingAck ack = send(standalone.node().grpcPort(), token, Reading.newBuilder()
                    .setDeviceId(deviceId)
                    .setTimestamp(Timestamp.newBuilder().setSeconds(end.getEpochSecond()))
                    .setUsageKwh(0.25).setSeq(1).setIntervalSeconds(900).build());

            // THEN it is acked and lands in the embedded MongoDB
            assertThat(ack.getOutcome()).isEqualTo(ReadingAck.Outcome.ACCEPTED);
            JsonObject mongo = standalone.config().getJsonObject("mongo");
            waitUntil(() -> storedReading(vertx, mongo, deviceId, end) != null, Duration.ofSeconds(20));
            assertThat(storedReading(vertx, mongo, deviceId, end).getLong("e")).isEqualTo(250_000L);
        }

        // WHEN it is started again on the same data folder (no simulator)
        try (Standalone again = Standalone.start(config(false))) {
            // THEN the reading is still stored
            JsonObject stored = storedReading(vertx, again.config().getJsonObject("mongo"), deviceId, end);
            assertThat(stored).as("reading after restart").isNotNull();
            assertThat(stored.getLong("e")).isEqualTo(250_000L);
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    private static String provision(Standalone standalone, String deviceId) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(standalone.httpUrl() + "/api/v1/devices"))
                .header("authorization", "Bearer " + standalone.adminToken())
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("deviceId", deviceId).encode()))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return new JsonObject(response.body()).getString("token");
    }

    private static ReadingAck send(int grpcPort, String token, Reading reading) throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
        try {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
            return MeterGatewayGrpc.newBlockingStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .sendReading(reading);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** @return the stored entry {@code readings.<end ms>} of the device's day bucket, or null */
    private static JsonObject storedReading(Vertx vertx, JsonObject mongoSection, String deviceId, Instant end) {
        MongoClient client = MongoClient.createShared(vertx,
                MongoSettings.fromJson(mongoSection).toClientConfig(), "standalone-it-" + mongoSection.hashCode());
        try {
            // the readings of a device hour live in the hour collection's readings documents (UsageBucketSchema)
            List<JsonObject> buckets = client.find(
                            org.smartenergy.platform.storage.UsageBucketSchema.readingsCollection("usage_hours"),
                            new JsonObject().put("deviceId", deviceId))
                    .await(10, TimeUnit.SECONDS);
            return buckets.stream()
                    .map(b -> b.getJsonObject("readings", new JsonObject())
                            .getJsonObject(String.valueOf(end.toEpochMilli())))
                    .filter(r -> r != null)
                    .findFirst().orElse(null);
        } catch (Exception e) {
            throw new AssertionError("querying the embedded MongoDB failed", e);
        } finally {
            client.close();
        }
    }

    private static void waitUntil(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeout);
            }
            Thread.sleep(100);
        }
    }
}
