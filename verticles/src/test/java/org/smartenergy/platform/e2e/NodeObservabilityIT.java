package org.smartenergy.platform.e2e;

import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.health.v1.HealthCheckRequest;
import io.vertx.grpc.health.v1.HealthCheckResponse;
import io.vertx.grpc.reflection.v1.ServerReflectionRequest;
import io.vertx.grpc.reflection.v1.ServerReflectionResponse;
import io.vertx.grpc.reflection.v1.ServiceResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.smartenergy.platform.domain.Energy;
import org.smartenergy.platform.domain.UsageBuckets;
import org.smartenergy.proto.v1.Reading;
import org.smartenergy.proto.v1.ReadingAck;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Analytics, health and metrics of a node with every role: what an operator watching the platform relies on.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class NodeObservabilityIT {

    private static PlatformHarness platform;

    @BeforeAll
    static void start() throws Exception {
        platform = new PlatformHarness(config -> config.getJsonObject("analytics").put("refreshIntervalMs", 300));
    }

    @AfterAll
    static void stop() throws Exception {
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void analyticsSumTodaysStoredReadingsRankConsumersAndFindThePeakQuarterHour() throws Exception {
        // GIVEN two devices sending one-minute readings of today: 2 kWh and 0.5 kWh each
        String today = LocalDate.now(ZoneOffset.UTC).toString();
        Instant end = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        Map<String, Double> perReading = Map.of("big-" + System.nanoTime(), 2.0, "small-" + System.nanoTime(), 0.5);
        long expectedMwh = 0;
        Map<String, Long> perDevice = new HashMap<>();
        long[] quarters = new long[96];
        for (var e : perReading.entrySet()) {
            String token = platform.provision(e.getKey());
            List<Reading> readings = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                Instant ts = end.minus(Duration.ofMinutes(i));
                readings.add(PlatformHarness.reading(e.getKey(), ts, e.getValue(), i).toBuilder()
                        .setIntervalSeconds(60).build());
                if (UsageBuckets.day(ts.toEpochMilli()).equals(today)) {
                    long mwh = Energy.toMwh(e.getValue());
                    expectedMwh += mwh;
                    perDevice.merge(e.getKey(), mwh, Long::sum);
                    quarters[UsageBuckets.quarterOfDay(ts.toEpochMilli())] += mwh;
                }
            }
            assertThat(platform.stream(token, readings, 64))
                    .allSatisfy(ack -> assertThat(ack.getOutcome()).isEqualTo(ReadingAck.Outcome.ACCEPTED));
        }
        long peakMwh = java.util.Arrays.stream(quarters).max().orElse(0);
        BigDecimal expectedKwh = Energy.toKwhExact(expectedMwh);

        // WHEN analytics has refreshed after the readings were stored
        JsonObject[] todayJson = new JsonObject[1];
        PlatformHarness.await("analytics show today's energy", Duration.ofSeconds(30), () -> {
            todayJson[0] = getJson("/api/v1/analytics/today");
            return todayJson[0] != null
                    && new BigDecimal(todayJson[0].getString("energyKwh")).compareTo(expectedKwh) == 0;
        });

        // THEN the JSON sums, counts, and finds the peak 15-minute demand (kWh in the quarter / 0.25 h)
        JsonObject json = todayJson[0];
        assertThat(json.getString("day")).isEqualTo(today);
        assertThat(json.getLong("activeDevices")).isEqualTo(perDevice.size());
        assertThat(new BigDecimal(json.getString("peakDemandKw")))
                .isEqualByComparingTo(Energy.toKwhExact(peakMwh).multiply(BigDecimal.valueOf(4)));
        BigDecimal hoursSum = json.getJsonArray("hours").stream().map(JsonObject.class::cast)
                .map(h -> new BigDecimal(h.getString("kwh"))).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(hoursSum).isEqualByComparingTo(expectedKwh);

        // AND the top consumers come from the Redis sorted set, largest first
        JsonObject top = getJson("/api/v1/analytics/top-consumers?limit=5");
        assertThat(top.getString("source")).isEqualTo("redis");
        JsonArray consumers = top.getJsonArray("consumers");
        List<String> expectedOrder = perDevice.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).map(Map.Entry::getKey).toList();
        assertThat(consumers.stream().map(c -> ((JsonObject) c).getString("deviceId")).toList())
                .containsExactlyElementsOf(expectedOrder);

        // AND the same figures are Prometheus gauges without per-device labels
        assertThat(gauge("energy.analytics.energy.today.kwh")).isEqualTo(expectedKwh.doubleValue());
        assertThat(gauge("energy.analytics.active.devices")).isEqualTo(perDevice.size());
        String scrape = scrape();
        assertThat(scrape).contains("energy_analytics_hour_energy_kwh{hour=\"00\"}")
                .doesNotContain("deviceId=").doesNotContain("device_id=");
    }

    @Test
    void countersReconcileOnceTheQueueHasDrained() throws Exception {
        // GIVEN valid, invalid and resent readings
        String device = "rec-" + System.nanoTime();
        String token = platform.provision(device);
        // 200 readings 15 min apart end 50 h after base: 4 days back keeps them all before today, which the
        // analytics test sums platform-wide (3 days back put the last ones into today after 22:15 UTC)
        Instant base = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofDays(4));
        List<Reading> readings = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            readings.add(PlatformHarness.reading(device, base.plus(Duration.ofMinutes(15L * i)), 0.25, i));
        }
        for (int i = 0; i < 20; i++) {
            readings.add(PlatformHarness.reading(device, base, -1.0, 1000 + i));
        }
        platform.stream(token, readings, 64);
        platform.stream(token, readings.subList(0, 50), 64);

        // THEN received = accepted + rejected, and accepted = stored + duplicates once billing has caught up
        PlatformHarness.await("accepted = stored + duplicates", Duration.ofSeconds(30), () ->
                platform.counter("energy.readings.accepted")
                        == platform.counter("energy.readings.stored") + platform.counter("energy.readings.duplicates"));
        assertThat(platform.counter("energy.readings.received"))
                .isEqualTo(platform.counter("energy.readings.accepted") + platform.counter("energy.readings.rejected"));
        assertThat(platform.counter("energy.readings.rejected")).isGreaterThanOrEqualTo(20);
        assertThat(platform.counter("energy.readings.duplicates")).isGreaterThanOrEqualTo(50);
    }

    @Test
    void metricsEndpointServesPlatformAndVertxMetricsAndHealthIsReady() throws Exception {
        String scrape = scrape();
        assertThat(scrape).contains("energy_readings_received_total")
                .contains("energy_readings_rejected_total{reason=\"usage_negative\"}")
                .contains("energy_publish_confirm_latency_seconds_bucket")
                .contains("energy_queue_backlog_messages")
                .contains("vertx_");
        HttpResponse<String> live = get("/health/live");
        assertThat(live.statusCode()).isEqualTo(200);
        HttpResponse<String> ready = get("/health/ready");
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        assertThat(ready.body()).contains("broker").contains("mongodb").contains("redis");
    }

    @Test
    void theGrpcPortAnswersHealthAndReflectionWithoutADeviceToken() throws Exception {
        // GIVEN the ready node: WHEN its gRPC port is asked for the server's health THEN it is SERVING
        HealthCheckResponse health = ClientCalls.blockingUnaryCall(platform.channel, HEALTH_CHECK,
                CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), HealthCheckRequest.getDefaultInstance());
        assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

        // WHEN reflection lists the services THEN the platform's, health and reflection are there
        java.util.concurrent.BlockingQueue<ServerReflectionResponse> answers =
                new java.util.concurrent.LinkedBlockingQueue<>();
        StreamObserver<ServerReflectionRequest> requests = ClientCalls.asyncBidiStreamingCall(
                platform.channel.newCall(REFLECTION, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS)),
                new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse value) {
                        answers.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("*").build());
        ServerReflectionResponse list = answers.poll(20, TimeUnit.SECONDS);
        requests.onCompleted();
        assertThat(list).isNotNull();
        assertThat(list.getListServicesResponse().getServiceList()).extracting(ServiceResponse::getName)
                .contains("energy.v1.MeterGateway", "energy.v1.BillingService", "grpc.health.v1.Health",
                        "grpc.reflection.v1.ServerReflection");
    }

    private static final MethodDescriptor<HealthCheckRequest, HealthCheckResponse> HEALTH_CHECK =
            MethodDescriptor.<HealthCheckRequest, HealthCheckResponse>newBuilder()
                    .setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName("grpc.health.v1.Health/Check")
                    .setRequestMarshaller(ProtoUtils.marshaller(HealthCheckRequest.getDefaultInstance()))
                    .setResponseMarshaller(ProtoUtils.marshaller(HealthCheckResponse.getDefaultInstance()))
                    .build();
    private static final MethodDescriptor<ServerReflectionRequest, ServerReflectionResponse> REFLECTION =
            MethodDescriptor.<ServerReflectionRequest, ServerReflectionResponse>newBuilder()
                    .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
                    .setFullMethodName("grpc.reflection.v1.ServerReflection/ServerReflectionInfo")
                    .setRequestMarshaller(ProtoUtils.marshaller(ServerReflectionRequest.getDefaultInstance()))
                    .setResponseMarshaller(ProtoUtils.marshaller(ServerReflectionResponse.getDefaultInstance()))
                    .build();

    @Test
    void aNodeWhoseRedisIsUnreachableStaysReadyAndReportsRedisDown() throws Exception {
        // GIVEN a node with every role whose Redis is unreachable
        try (PlatformHarness broken = new PlatformHarness(config -> config.getJsonObject("redis")
                .put("connectionString", "redis://127.0.0.1:1"))) {
            // THEN it is live, and ready: Redis is only a cache, intake needs the broker
            HttpResponse<String> live = get(broken, "/health/live");
            assertThat(live.statusCode()).isEqualTo(200);
            HttpResponse<String> ready = get(broken, "/health/ready");
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
            // AND Redis is reported down in its own check, its own gauge, and the node as degraded
            JsonObject body = new JsonObject(ready.body());
            JsonObject redis = body.getJsonArray("checks").stream().map(JsonObject.class::cast)
                    .filter(c -> "redis".equals(c.getString("id"))).findFirst().orElseThrow();
            assertThat(redis.getString("status")).isEqualTo("DOWN");
            assertThat(redis.getBoolean("required")).isFalse();
            assertThat(body.getBoolean("degraded")).isTrue();
            assertThat(get(broken, "/metrics").body()).contains("energy_dependency_up{dependency=\"redis\"} 0.0")
                    .contains("energy_dependency_up{dependency=\"broker\"} 1.0")
                    .contains("energy_node_ready 1.0");
        }
    }

    private static JsonObject getJson(String path) {
        try {
            HttpResponse<String> response = platform.httpSend("GET", path, platform.viewerToken, null);
            return response.statusCode() == 200 ? new JsonObject(response.body()) : null;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static double gauge(String name) {
        return platform.node.metrics().get(name).gauge().value();
    }

    private static String scrape() throws Exception {
        return get("/metrics").body();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return get(platform, path);
    }

    private static HttpResponse<String> get(PlatformHarness harness, String path) throws Exception {
        return harness.http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + harness.node.metricsPort() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
