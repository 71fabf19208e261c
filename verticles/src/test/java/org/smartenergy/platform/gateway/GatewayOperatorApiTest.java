package org.smartenergy.platform.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.smartenergy.platform.domain.DeviceTokens;
import org.smartenergy.platform.domain.UsageBucket;
import org.smartenergy.platform.domain.UsageStep;
import org.smartenergy.proto.v1.ReadingAck;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smartenergy.platform.gateway.GatewayHarness.DEVICE;
import static org.smartenergy.platform.gateway.GatewayHarness.await;

/**
 * The operator HTTP API: JWT authentication and roles, device provisioning, usage queries, health. Driven with the
 * JDK's HTTP client against a running gateway.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class GatewayOperatorApiTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private GatewayHarness gateway;

    @BeforeEach
    void startGateway(Vertx vertx) throws Exception {
        gateway = GatewayHarness.start(vertx);
    }

    @AfterEach
    void stopGateway() throws Exception {
        gateway.close();
    }

    // ---------------------------------------------------------------- health

    @Test
    void healthEndpointsAnswerUpOnceListening() throws Exception {
        HttpResponse<String> live = get("/health/live", null);
        HttpResponse<String> ready = get("/health/ready", null);
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(live.body()).getString("status")).isEqualTo("UP");
        assertThat(ready.statusCode()).isEqualTo(200);
    }

    // ---------------------------------------------------------------- authentication and roles

    @Test
    void requestWithoutTokenIs401WithJsonError() throws Exception {
        HttpResponse<String> response = get("/api/v1/devices/" + DEVICE, null);
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(new JsonObject(response.body()).getString("error")).isEqualTo("unauthenticated");
        assertThat(new JsonObject(response.body()).getString("message")).isNotBlank();
    }

    @Test
    void tokenSignedWithAnotherSecretIs401(Vertx vertx) throws Exception {
        // GIVEN an admin token signed with a different secret
        String forged = OperatorTokens.mint(vertx, "another-secret-another-secret-another-secret",
                gateway.options.jwtIssuer(), "mallory", List.of("admin"), Duration.ofMinutes(5));
        // WHEN it is used THEN 401
        assertThat(get("/api/v1/devices/" + DEVICE, forged).statusCode()).isEqualTo(401);
    }

    @Test
    void tokenOfAnotherIssuerIs401(Vertx vertx) throws Exception {
        String foreign = OperatorTokens.mint(vertx, GatewayHarness.SECRET, "someone-else", "mallory",
                List.of("admin"), Duration.ofMinutes(5));
        assertThat(get("/api/v1/devices/" + DEVICE, foreign).statusCode()).isEqualTo(401);
    }

    @Test
    void viewerMayReadButNotProvision() throws Exception {
        String viewer = gateway.operatorToken("viewer");
        // WHEN a viewer provisions THEN 403 and nothing is created
        HttpResponse<String> post = post("/api/v1/devices", viewer,
                new JsonObject().put("deviceId", "meter-9").put("name", "x"));
        assertThat(post.statusCode()).isEqualTo(403);
        assertThat(new JsonObject(post.body()).getString("error")).isEqualTo("forbidden");
        assertThat(await(gateway.registry.find("meter-9"))).isNull();
        // AND reading a device is allowed
        assertThat(get("/api/v1/devices/" + DEVICE, viewer).statusCode()).isEqualTo(200);
    }

    @Test
    void tokenWithoutOperatorRoleIs403() throws Exception {
        String nobody = gateway.operatorToken("billing");
        assertThat(get("/api/v1/devices/" + DEVICE, nobody).statusCode()).isEqualTo(403);
    }

    // ---------------------------------------------------------------- provisioning

    @Test
    void adminProvisionsDeviceWhoseTokenWorksForGrpcAndIsStoredOnlyAsHash() throws Exception {
        String admin = gateway.operatorToken("admin");
        // WHEN an admin provisions meter-9
        HttpResponse<String> created = post("/api/v1/devices", admin,
                new JsonObject().put("deviceId", "meter-9").put("name", "cellar"));
        // THEN 201 with id, name, creation time and the token
        assertThat(created.statusCode()).isEqualTo(201);
        JsonObject body = new JsonObject(created.body());
        assertThat(body.getString("deviceId")).isEqualTo("meter-9");
        assertThat(body.getString("name")).isEqualTo("cellar");
        assertThat(Instant.parse(body.getString("createdAt"))).isBeforeOrEqualTo(Instant.now());
        String token = body.getString("token");
        assertThat(token).isNotBlank();

        // AND the token authenticates gRPC calls of meter-9
        ReadingAck ack = gateway.blocking("Bearer " + token)
                .sendReading(GatewayGrpcTest.reading("meter-9", 1));
        assertThat(ack.getOutcome()).isEqualTo(ReadingAck.Outcome.ACCEPTED);

        // AND GET shows the device without token or hash
        HttpResponse<String> fetched = get("/api/v1/devices/meter-9", admin);
        assertThat(fetched.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(fetched.body()).fieldNames()).containsExactlyInAnyOrder("deviceId", "name",
                "createdAt", "enabled");
        assertThat(fetched.body()).doesNotContain(token).doesNotContain(DeviceTokens.hash(token));

        // AND MongoDB holds the hash, never the token
        JsonObject stored = await(gateway.mongo.findOne("devices", new JsonObject().put("_id", "meter-9"), null));
        assertThat(stored.getString("tokenHash")).isEqualTo(DeviceTokens.hash(token));
        assertThat(stored.encode()).doesNotContain(token);
    }

    @Test
    void provisioningAnExistingDeviceIs409() throws Exception {
        HttpResponse<String> response = post("/api/v1/devices", gateway.operatorToken("admin"),
                new JsonObject().put("deviceId", DEVICE).put("name", "again"));
        assertThat(response.statusCode()).isEqualTo(409);
        assertThat(new JsonObject(response.body()).getString("error")).isEqualTo("conflict");
    }

    @Test
    void provisioningWithInvalidDeviceIdIs400WithReason() throws Exception {
        String admin = gateway.operatorToken("admin");
        HttpResponse<String> empty = post("/api/v1/devices", admin, new JsonObject().put("deviceId", ""));
        HttpResponse<String> tooLong = post("/api/v1/devices", admin, new JsonObject().put("deviceId", "m".repeat(65)));
        HttpResponse<String> missing = post("/api/v1/devices", admin, new JsonObject().put("name", "x"));
        HttpResponse<String> notJson = send(HttpRequest.newBuilder(uri("/api/v1/devices"))
                .header("Authorization", "Bearer " + admin)
                .POST(HttpRequest.BodyPublishers.ofString("{not json")));
        for (HttpResponse<String> response : List.of(empty, tooLong, missing, notJson)) {
            assertThat(response.statusCode()).isEqualTo(400);
            assertThat(new JsonObject(response.body()).getString("message")).isNotBlank();
        }
        assertThat(new JsonObject(tooLong.body()).getString("message")).contains("1 to 64");
        // AND a 64-character id is fine
        assertThat(post("/api/v1/devices", admin, new JsonObject().put("deviceId", "m".repeat(64))).statusCode())
                .isEqualTo(201);
    }

    @Test
    void oversizedBodyIsRefusedWith413() throws Exception {
        HttpResponse<String> response = post("/api/v1/devices", gateway.operatorToken("admin"),
                new JsonObject().put("deviceId", "meter-x").put("name", "n".repeat(40_000)));
        assertThat(response.statusCode()).isEqualTo(413);
    }

    @Test
    void unknownDeviceIs404() throws Exception {
        HttpResponse<String> response = get("/api/v1/devices/nope", gateway.operatorToken("viewer"));
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(new JsonObject(response.body()).getString("error")).isEqualTo("not_found");
    }

    // ---------------------------------------------------------------- usage

    @Test
    void usageWithMissingOrInvalidParametersIs400() throws Exception {
        String viewer = gateway.operatorToken("viewer");
        String base = "/api/v1/devices/" + DEVICE + "/usage";
        List<String> bad = List.of(
                base,
                base + "?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z",
                base + "?from=yesterday&to=2026-01-02T00:00:00Z&step=day",
                base + "?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&step=week",
                base + "?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z&step=day",
                base + "?from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&step=hour",
                base + "?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&step=hour",
                base + "?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&step=day");
        for (String path : bad) {
            HttpResponse<String> response = get(path, viewer);
            assertThat(response.statusCode()).as(path).isEqualTo(400);
            assertThat(new JsonObject(response.body()).getString("error")).as(path).isEqualTo("bad_request");
        }
    }

    @Test
    void usageOfUnknownDeviceIs404() throws Exception {
        HttpResponse<String> response = get("/api/v1/devices/nope/usage?from=2026-01-01T00:00:00Z"
                + "&to=2026-01-02T00:00:00Z&step=hour", gateway.operatorToken("viewer"));
        assertThat(response.statusCode()).isEqualTo(404);
    }

    @Test
    void usageListsBucketsInExactKwhWithTotals() throws Exception {
        // GIVEN stored usage in two hours of the range and one outside it
        Instant from = Instant.parse("2026-01-01T00:00:00Z");
        gateway.store.put(DEVICE, List.of(
                new UsageBucket(from, 1_234_567L, 4),
                new UsageBucket(from.plusSeconds(3_600), 100_000_000_001L, 2),
                new UsageBucket(from.plusSeconds(86_400), 5L, 1)));
        // WHEN a viewer asks for the first day by hour
        HttpResponse<String> response = get("/api/v1/devices/" + DEVICE + "/usage?from=2026-01-01T00:00:00Z"
                + "&to=2026-01-02T00:00:00Z&step=hour", gateway.operatorToken("viewer"));
        // THEN the buckets in range with exact kWh (milliwatt-hours / 10^6), and totals
        assertThat(response.statusCode()).isEqualTo(200);
        JsonObject body = new JsonObject(response.body());
        assertThat(body.getString("deviceId")).isEqualTo(DEVICE);
        assertThat(body.getString("from")).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(body.getString("to")).isEqualTo("2026-01-02T00:00:00Z");
        assertThat(body.getString("step")).isEqualTo("hour");
        assertThat(body.getString("unit")).isEqualTo("kWh");
        assertThat(gateway.store.lastStep).isEqualTo(UsageStep.HOUR);
        JsonArray buckets = body.getJsonArray("buckets");
        assertThat(buckets).hasSize(2);
        assertThat(buckets.getJsonObject(0).getString("start")).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(buckets.getJsonObject(0).getLong("readings")).isEqualTo(4L);
        // the raw JSON carries the exact decimals (no binary floating point, no exponent)
        assertThat(response.body()).contains("\"kwh\":1.234567").contains("\"kwh\":100000.000001")
                .contains("\"totalKwh\":100001.234568");
        assertThat(new BigDecimal(body.getValue("totalKwh").toString()))
                .isEqualByComparingTo(new BigDecimal("100001.234568"));
        assertThat(body.getLong("readings")).isEqualTo(6L);
    }

    // ---------------------------------------------------------------- helpers

    private URI uri(String path) {
        return URI.create(gateway.httpBase() + path);
    }

    private HttpResponse<String> get(String path, String jwt) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
        if (jwt != null) {
            request.header("Authorization", "Bearer " + jwt);
        }
        return send(request);
    }

    private HttpResponse<String> post(String path, String jwt, JsonObject body) throws Exception {
        return send(HttpRequest.newBuilder(uri(path))
                .header("Authorization", "Bearer " + jwt)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.encode())));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
