package org.smartenergy.platform.gateway;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
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
import org.smartenergy.proto.v1.Reading;
import org.smartenergy.proto.v1.ReadingAck;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.smartenergy.platform.gateway.GatewayGrpcTest.bearer;
import static org.smartenergy.platform.gateway.GatewayGrpcTest.reading;
import static org.smartenergy.platform.gateway.GatewayHarness.DEVICE;
import static org.smartenergy.platform.gateway.GatewayHarness.OTHER_DEVICE;
import static org.smartenergy.platform.gateway.GatewayHarness.await;

/**
 * The device lifecycle of the operator API: paging, bulk import (JSON lines, CSV), token rotation, disabling,
 * deletion, and their effect on device authentication (on this node; across nodes see
 * {@code e2e.DeviceRevocationProcessIT}). Driven with the JDK's HTTP client and grpc-java against a running gateway.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class DeviceLifecycleApiTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private GatewayHarness gateway;
    private String admin;
    private String viewer;

    @BeforeEach
    void startGateway(Vertx vertx) throws Exception {
        gateway = GatewayHarness.start(vertx);
        admin = gateway.operatorToken("admin");
        viewer = gateway.operatorToken("viewer");
    }

    @AfterEach
    void stopGateway() throws Exception {
        gateway.close();
    }

    // ---------------------------------------------------------------- listing

    @Test
    void pagesFollowIdOrderWithNeitherDuplicatesNorGapsWhileDevicesAreAdded() throws Exception {
        // GIVEN 30 devices besides meter-1 and meter-2
        TreeSet<String> existing = new TreeSet<>(List.of(DEVICE, OTHER_DEVICE));
        for (int i = 0; i < 30; i++) {
            String id = String.format("dev-%03d", i * 2);
            await(gateway.registry.create(id, "", DeviceTokens.hash(DeviceTokens.newToken())));
            existing.add(id);
        }
        // WHEN a viewer pages through 7 at a time, and after each page two devices are added: one before the
        // position reached, one after it
        List<String> seen = new ArrayList<>();
        List<String> addedAhead = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            HttpResponse<String> response = get("/api/v1/devices?limit=7"
                    + (cursor == null ? "" : "&after=" + cursor), viewer);
            assertThat(response.statusCode()).isEqualTo(200);
            JsonObject body = new JsonObject(response.body());
            JsonArray devices = body.getJsonArray("devices");
            assertThat(devices.size()).isBetween(1, 7);
            for (int i = 0; i < devices.size(); i++) {
                JsonObject device = devices.getJsonObject(i);
                assertThat(device.fieldNames()).containsExactlyInAnyOrder("deviceId", "name", "createdAt", "enabled");
                seen.add(device.getString("deviceId"));
            }
            cursor = body.getString("next");
            pages++;
            if (cursor != null) {
                String last = seen.get(seen.size() - 1);
                String behind = "dev-000" + "a" + pages; // sorts before everything seen after the first page
                String ahead = last + "~" + pages;       // sorts right after the last one seen
                await(gateway.registry.create(behind, "", DeviceTokens.hash(DeviceTokens.newToken())));
                await(gateway.registry.create(ahead, "", DeviceTokens.hash(DeviceTokens.newToken())));
                addedAhead.add(ahead);
            }
        } while (cursor != null && pages < 50);

        // THEN ids ascend strictly (no duplicates), every device present at the start was listed, and so was every
        // device added ahead of the position reached
        assertThat(cursor).isNull();
        assertThat(seen).isSorted().doesNotHaveDuplicates();
        assertThat(seen).containsAll(existing).containsAll(addedAhead);
        assertThat(seen).noneMatch(id -> id.startsWith("dev-000a"));
        assertThat(pages).isGreaterThan(existing.size() / 7);
    }

    @Test
    void defaultPageIsAHundredAndTheLastPageHasNoNext() throws Exception {
        for (int i = 0; i < 100; i++) {
            await(gateway.registry.create(String.format("bulk-%03d", i), "", DeviceTokens.hash(DeviceTokens.newToken())));
        }
        // WHEN the first page is asked for without a limit THEN 100 devices and a cursor
        JsonObject first = new JsonObject(get("/api/v1/devices", admin).body());
        assertThat(first.getJsonArray("devices")).hasSize(100);
        assertThat(first.getString("next")).isNotNull();
        // AND the page after it holds the 2 remaining and no cursor (an explicit null)
        JsonObject second = new JsonObject(get("/api/v1/devices?after=" + first.getString("next"), admin).body());
        assertThat(second.getJsonArray("devices")).hasSize(2);
        assertThat(second.containsKey("next")).isTrue();
        assertThat(second.getValue("next")).isNull();
    }

    @Test
    void limitOutsideOneToAThousandAndForeignCursorsAre400() throws Exception {
        for (String query : List.of("limit=0", "limit=1001", "limit=-3", "limit=ten", "limit=",
                "after=" + URLEncoder.encode("not a cursor!", StandardCharsets.UTF_8), "after=bWV0ZXItMQ==")) {
            HttpResponse<String> response = get("/api/v1/devices?" + query, admin);
            assertThat(response.statusCode()).as(query).isEqualTo(400);
            assertThat(new JsonObject(response.body()).getString("error")).isEqualTo("bad_request");
        }
        assertThat(get("/api/v1/devices?limit=1000", admin).statusCode()).isEqualTo(200);
        assertThat(new JsonObject(get("/api/v1/devices?limit=1", admin).body()).getJsonArray("devices")).hasSize(1);
    }

    // ---------------------------------------------------------------- import

    @Test
    void jsonLinesImportAnswersPerRowAndCreatesOnlyTheValidNewOnes() throws Exception {
        String body = String.join("\n",
                "{\"deviceId\":\"imp-1\",\"name\":\"first\"}",
                "",
                "{\"deviceId\":\"" + DEVICE + "\",\"name\":\"taken\"}",
                "{\"deviceId\":\"imp-2\"}",
                "{\"deviceId\":\"imp-1\",\"name\":\"again\"}",
                "not json",
                "[1,2]",
                "{\"name\":\"no id\"}",
                "{\"deviceId\":\"bad id\"}",
                "{\"deviceId\":\"imp-3\",\"name\":\"" + "x".repeat(257) + "\"}") + "\n";
        HttpResponse<String> response = postRaw("/api/v1/devices:import", admin, "application/x-ndjson", body);
        assertThat(response.statusCode()).isEqualTo(200);
        JsonObject answer = new JsonObject(response.body());
        assertThat(answer.getInteger("created")).isEqualTo(2);
        assertThat(answer.getInteger("failed")).isEqualTo(7);
        List<JsonObject> results = rows(answer);
        assertThat(results).extracting(r -> r.getInteger("row")).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(results).extracting(r -> r.getString("status")).containsExactly("created", "exists", "created",
                "exists", "invalid", "invalid", "invalid", "invalid", "invalid");
        assertThat(results.get(1).getString("deviceId")).isEqualTo(DEVICE);
        assertThat(results.get(3).getString("message")).contains("row 1");
        results.stream().filter(r -> !r.getString("status").equals("created"))
                .forEach(r -> {
                    assertThat(r.getString("message")).isNotBlank();
                    assertThat(r.containsKey("token")).isFalse();
                });
        // THEN the created devices exist with their names, their tokens authenticate, only hashes are stored
        assertThat(await(gateway.registry.find("imp-1")).name()).isEqualTo("first");
        assertThat(await(gateway.registry.find("imp-2")).name()).isEmpty();
        assertThat(await(gateway.registry.find("imp-3"))).isNull();
        assertThat(await(gateway.registry.find(DEVICE)).name()).isEqualTo("kitchen meter");
        String token = results.get(0).getString("token");
        assertThat(gateway.blocking(bearer(token)).sendReading(reading("imp-1", 1)).getOutcome())
                .isEqualTo(ReadingAck.Outcome.ACCEPTED);
        JsonObject stored = await(gateway.mongo.findOne("devices", new JsonObject().put("_id", "imp-1"), null));
        assertThat(stored.getString("tokenHash")).isEqualTo(DeviceTokens.hash(token));
        assertThat(stored.encode()).doesNotContain(token);
        assertThat(results.get(2).getString("token")).isNotEqualTo(token);
    }

    @Test
    void csvImportReadsQuotedFieldsAndReportsBadRows() throws Exception {
        String body = "\uFEFFdeviceId,name\r\n"
                + "csv-1,\"Smith, J. \"\"the elder\"\"\"\r\n"
                + "csv-2,\r\n"
                + "csv-3\r\n"
                + "csv-4,\"unclosed\r\n"
                + OTHER_DEVICE + ",garage\r\n"
                + "csv-1,dup\r\n";
        HttpResponse<String> response = postRaw("/api/v1/devices:import", admin, "text/csv; charset=utf-8", body);
        assertThat(response.statusCode()).isEqualTo(200);
        JsonObject answer = new JsonObject(response.body());
        assertThat(rows(answer)).extracting(r -> r.getString("status")).containsExactly("created", "created",
                "invalid", "invalid", "exists", "exists");
        assertThat(answer.getInteger("created")).isEqualTo(2);
        assertThat(answer.getInteger("failed")).isEqualTo(4);
        assertThat(await(gateway.registry.find("csv-1")).name()).isEqualTo("Smith, J. \"the elder\"");
        assertThat(await(gateway.registry.find("csv-3"))).isNull();
        assertThat(await(gateway.registry.find("csv-4"))).isNull();
    }

    @Test
    void importWithoutTheCsvHeaderIs400AndWithAnotherMediaType415() throws Exception {
        assertThat(postRaw("/api/v1/devices:import", admin, "text/csv", "id,label\nx,y\n").statusCode())
                .isEqualTo(400);
        HttpResponse<String> json = postRaw("/api/v1/devices:import", admin, "application/json",
                "{\"deviceId\":\"x\"}");
        assertThat(json.statusCode()).isEqualTo(415);
        assertThat(new JsonObject(json.body()).getString("error")).isEqualTo("unsupported_media_type");
        assertThat(postRaw("/api/v1/devices:import", admin, "application/x-ndjson", "\n\n").statusCode())
                .isEqualTo(400);
        assertThat(await(gateway.registry.find("x"))).isNull();
    }

    @Test
    void tenThousandRowsAreImportedAndOneMoreIsRefusedWith413() throws Exception {
        // WHEN 10,001 rows are sent THEN 413 and nothing is created
        String tooMany = IntStream.range(0, 10_001).mapToObj(i -> "{\"deviceId\":\"big-" + i + "\"}")
                .collect(Collectors.joining("\n"));
        HttpResponse<String> refused = postRaw("/api/v1/devices:import", admin, "application/jsonl", tooMany);
        assertThat(refused.statusCode()).isEqualTo(413);
        assertThat(new JsonObject(refused.body()).getString("message")).contains("10000");
        assertThat(await(gateway.registry.find("big-0"))).isNull();
        // WHEN 10,000 are sent (as CSV) THEN all are created, each with its own token
        String csv = "deviceId,name\n" + IntStream.range(0, 10_000).mapToObj(i -> "big-" + i + ",meter " + i)
                .collect(Collectors.joining("\n"));
        HttpResponse<String> response = postRaw("/api/v1/devices:import", admin, "text/csv", csv);
        assertThat(response.statusCode()).isEqualTo(200);
        JsonObject answer = new JsonObject(response.body());
        assertThat(answer.getInteger("created")).isEqualTo(10_000);
        assertThat(answer.getInteger("failed")).isZero();
        assertThat(rows(answer).stream().map(r -> r.getString("token")).distinct().count()).isEqualTo(10_000);
        assertThat(await(gateway.mongo.count("devices", new JsonObject()))).isEqualTo(10_002L);
    }

    @Test
    void importBodyOverFourMebibytesIsRefusedWith413NamingTheLimit() throws Exception {
        // GIVEN an import announcing a body just over the import limit (far over the 16 KiB of the other routes); the
        // body is not sent: the server answers on the Content-Length and closes, so a client still uploading could
        // see the connection reset before it reads the answer
        String request = "POST /api/v1/devices:import HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + admin
                + "\r\nContent-Type: application/x-ndjson\r\nContent-Length: " + (4L * 1024 * 1024 + 1) + "\r\n\r\n";
        String answer;
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", gateway.verticle.httpPort())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            // WHEN the server answers THEN it is 413 naming the 4 MiB limit, and it closes the connection (EOF)
            answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        assertThat(answer).startsWith("HTTP/1.1 413");
        assertThat(new JsonObject(answer.substring(answer.indexOf("\r\n\r\n") + 4)).getString("message"))
                .contains("4194304");
        assertThat(await(gateway.registry.find("huge"))).isNull();
    }

    @Test
    void importPathIsLiteralAndDevicePathsStillWork() throws Exception {
        // the ":" of devices:import is not a path parameter: neighbours of the path are no route (a non-JSON body
        // on any other path is a 415 before routing, so these send JSON)
        assertThat(post("/api/v1/devicesXimport", admin, new JsonObject().put("deviceId", "z")).statusCode())
                .isEqualTo(404);
        assertThat(post("/api/v1/devices:other", admin, new JsonObject().put("deviceId", "z")).statusCode())
                .isEqualTo(404);
        assertThat(get("/api/v1/devices/" + DEVICE, viewer).statusCode()).isEqualTo(200);
        assertThat(await(gateway.registry.find("z"))).isNull();
    }

    // ---------------------------------------------------------------- rotate, disable, delete

    @Test
    void rotationInvalidatesTheCachedOldTokenAtOnceAndTheNewOneWorks() throws Exception {
        // GIVEN meter-1's token is cached (one accepted reading)
        assertThat(gateway.blocking(bearer(gateway.token)).sendReading(reading(DEVICE, 1)).getOutcome())
                .isEqualTo(ReadingAck.Outcome.ACCEPTED);
        // WHEN an admin rotates it
        HttpResponse<String> rotated = post("/api/v1/devices/" + DEVICE + "/token", admin, null);
        assertThat(rotated.statusCode()).isEqualTo(200);
        JsonObject body = new JsonObject(rotated.body());
        assertThat(body.fieldNames()).containsExactlyInAnyOrder("deviceId", "token");
        assertThat(body.getString("deviceId")).isEqualTo(DEVICE);
        String fresh = body.getString("token");
        assertThat(fresh).isNotEqualTo(gateway.token);
        // THEN the old token is refused right away, and the new one is accepted
        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
                () -> gateway.blocking(bearer(gateway.token)).sendReading(reading(DEVICE, 2)));
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(gateway.blocking(bearer(fresh)).sendReading(reading(DEVICE, 3)).getOutcome())
                .isEqualTo(ReadingAck.Outcome.ACCEPTED);
        assertThat(gateway.ingestion.received).extracting(Reading::getSeq).containsExactly(1L, 3L);
        JsonObject stored = await(gateway.mongo.findOne("devices", new JsonObject().put("_id", DEVICE), null));
        assertThat(stored.getString("tokenHash")).isEqualTo(DeviceTokens.hash(fresh));
    }

    @Test
    void disabledDeviceIsRefusedWithPermissionDeniedUntilEnabledAgain() throws Exception {
        assertThat(gateway.blocking(bearer(gateway.token)).sendReading(reading(DEVICE, 1)).getOutcome())
                .isEqualTo(ReadingAck.Outcome.ACCEPTED);
        // WHEN an admin disables meter-1
        HttpResponse<String> disabled = patch("/api/v1/devices/" + DEVICE, admin,
                new JsonObject().put("enabled", false));
        assertThat(disabled.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(disabled.body()).getBoolean("enabled")).isFalse();
        // THEN its token is refused with PERMISSION_DENIED naming the device, and nothing is forwarded
        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
                () -> gateway.blocking(bearer(gateway.token)).sendReading(reading(DEVICE, 2)));
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(refused.getStatus().getDescription()).isEqualTo("device 'meter-1' is disabled");
        AckCollector stream = new AckCollector();
        gateway.async(bearer(gateway.token)).streamReadings(stream).onNext(reading(DEVICE, 3));
        assertThat(stream.done.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(gateway.ingestion.received).extracting(Reading::getSeq).containsExactly(1L);
        // AND GET and the list show it disabled; other devices are unaffected
        assertThat(new JsonObject(get("/api/v1/devices/" + DEVICE, viewer).body()).getBoolean("enabled")).isFalse();
        assertThat(gateway.blocking(bearer(gateway.otherToken)).sendReading(reading(OTHER_DEVICE, 1)).getOutcome())
                .isEqualTo(ReadingAck.Outcome.ACCEPTED);
        // WHEN it is enabled again THEN the same token works
        assertThat(patch("/api/v1/devices/" + DEVICE, admin, new JsonObject().put("enabled", true)).statusCode())
                .isEqualTo(200);
        assertThat(gateway.blocking(bearer(gateway.token)).sendReading(reading(DEVICE, 4)).getOutcome())
                .isEqualTo(ReadingAck.Outcome.ACCEPTED);
    }

    @Test
    void disablingEndsAStreamAlreadyOpen() throws Exception {
        // GIVEN an open stream of meter-1 whose first reading was acked
        AckCollector collector = new AckCollector();
        StreamObserver<Reading> requests = gateway.async(bearer(gateway.token)).streamReadings(collector);
        requests.onNext(reading(DEVICE, 1));
        GatewayGrpcTest.waitFor(() -> collector.acks.size() == 1);
        // WHEN meter-1 is disabled
        assertThat(patch("/api/v1/devices/" + DEVICE, admin, new JsonObject().put("enabled", false)).statusCode())
                .isEqualTo(200);
        // THEN the stream ends with PERMISSION_DENIED without another reading being sent
        Status status = collector.done.get(10, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(status.getDescription()).contains("disabled");
        assertThat(collector.acks).extracting(ReadingAck::getOutcome).containsExactly(ReadingAck.Outcome.ACCEPTED);
    }

    @Test
    void renamingKeepsTheTokenAndUnknownOrEmptyChangesAre400() throws Exception {
        HttpResponse<String> renamed = patch("/api/v1/devices/" + DEVICE, admin,
                new JsonObject().put("name", "utility room"));
        assertThat(renamed.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(renamed.body()).getString("name")).isEqualTo("utility room");
        assertThat(new JsonObject(renamed.body()).getBoolean("enabled")).isTrue();
        for (JsonObject bad : List.of(new JsonObject(), new JsonObject().put("enable", false),
                new JsonObject().put("enabled", "no"), new JsonObject().put("name", 7),
                new JsonObject().put("enabled", true).put("deviceId", "other"))) {
            assertThat(patch("/api/v1/devices/" + DEVICE, admin, bad).statusCode()).as(bad.encode()).isEqualTo(400);
        }
        assertThat(gateway.blocking(bearer(gateway.token)).sendReading(reading(DEVICE, 1)).getOutcome())
                .isEqualTo(ReadingAck.Outcome.ACCEPTED);
        assertThat(await(gateway.registry.find(DEVICE)).name()).isEqualTo("utility room");
    }

    @Test
    void deletedDeviceAndTokenAreGoneButItsReadingsAreKept() throws Exception {
        // GIVEN meter-1 has stored usage and a cached token
        Instant from = Instant.parse("2026-01-01T00:00:00Z");
        gateway.store.put(DEVICE, List.of(new UsageBucket(from, 1_000_000L, 4)));
        assertThat(gateway.blocking(bearer(gateway.token)).sendReading(reading(DEVICE, 1)).getOutcome())
                .isEqualTo(ReadingAck.Outcome.ACCEPTED);
        // WHEN an admin deletes it
        HttpResponse<String> deleted = delete("/api/v1/devices/" + DEVICE, admin);
        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(deleted.body()).isEmpty();
        // THEN the device is gone, and so is its token
        assertThat(get("/api/v1/devices/" + DEVICE, admin).statusCode()).isEqualTo(404);
        assertThat(delete("/api/v1/devices/" + DEVICE, admin).statusCode()).isEqualTo(404);
        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
                () -> gateway.blocking(bearer(gateway.token)).sendReading(reading(DEVICE, 2)));
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        // AND its readings are kept: provisioned again under the same id, the device shows its old usage
        HttpResponse<String> again = post("/api/v1/devices", admin, new JsonObject().put("deviceId", DEVICE));
        assertThat(again.statusCode()).isEqualTo(201);
        HttpResponse<String> usage = get("/api/v1/devices/" + DEVICE + "/usage?from=2026-01-01T00:00:00Z"
                + "&to=2026-01-02T00:00:00Z&step=hour", viewer);
        assertThat(usage.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(usage.body()).getLong("readings")).isEqualTo(4L);
        // AND the old token stays refused, the new one works
        assertThat(catchThrowableOfType(StatusRuntimeException.class,
                () -> gateway.blocking(bearer(gateway.token)).sendReading(reading(DEVICE, 3))).getStatus().getCode())
                .isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(gateway.blocking(bearer(new JsonObject(again.body()).getString("token")))
                .sendReading(reading(DEVICE, 4)).getOutcome()).isEqualTo(ReadingAck.Outcome.ACCEPTED);
    }

    @Test
    void lifecycleRoutesOfUnknownDevicesAre404() throws Exception {
        assertThat(post("/api/v1/devices/nope/token", admin, null).statusCode()).isEqualTo(404);
        assertThat(patch("/api/v1/devices/nope", admin, new JsonObject().put("enabled", false)).statusCode())
                .isEqualTo(404);
        HttpResponse<String> deleted = delete("/api/v1/devices/nope", admin);
        assertThat(deleted.statusCode()).isEqualTo(404);
        assertThat(new JsonObject(deleted.body()).getString("error")).isEqualTo("not_found");
        assertThat(await(gateway.registry.find("nope"))).isNull();
    }

    @Test
    void viewerMayListButNotImportRotateChangeOrDelete() throws Exception {
        assertThat(get("/api/v1/devices", viewer).statusCode()).isEqualTo(200);
        Map<String, Integer> writes = Map.of(
                "import", postRaw("/api/v1/devices:import", viewer, "text/csv", "deviceId\nv-1\n").statusCode(),
                "rotate", post("/api/v1/devices/" + DEVICE + "/token", viewer, null).statusCode(),
                "patch", patch("/api/v1/devices/" + DEVICE, viewer, new JsonObject().put("enabled", false))
                        .statusCode(),
                "delete", delete("/api/v1/devices/" + DEVICE, viewer).statusCode());
        assertThat(writes).allSatisfy((route, status) -> assertThat(status).as(route).isEqualTo(403));
        assertThat(get("/api/v1/devices", null).statusCode()).isEqualTo(401);
        // nothing changed: the token works, the device is enabled, nothing was imported
        assertThat(gateway.blocking(bearer(gateway.token)).sendReading(reading(DEVICE, 1)).getOutcome())
                .isEqualTo(ReadingAck.Outcome.ACCEPTED);
        assertThat(await(gateway.registry.find(DEVICE)).enabled()).isTrue();
        assertThat(await(gateway.registry.find("v-1"))).isNull();
    }

    // ---------------------------------------------------------------- helpers

    private static List<JsonObject> rows(JsonObject answer) {
        JsonArray results = answer.getJsonArray("results");
        List<JsonObject> rows = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            rows.add(results.getJsonObject(i));
        }
        return rows;
    }

    private HttpResponse<String> get(String path, String jwt) throws Exception {
        return send(authorized(path, jwt).GET());
    }

    private HttpResponse<String> post(String path, String jwt, JsonObject body) throws Exception {
        HttpRequest.Builder request = authorized(path, jwt);
        if (body == null) {
            return send(request.POST(HttpRequest.BodyPublishers.noBody()));
        }
        return send(request.header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.encode())));
    }

    private HttpResponse<String> postRaw(String path, String jwt, String contentType, String body) throws Exception {
        return send(authorized(path, jwt).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpResponse<String> patch(String path, String jwt, JsonObject body) throws Exception {
        return send(authorized(path, jwt).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body.encode())));
    }

    private HttpResponse<String> delete(String path, String jwt) throws Exception {
        return send(authorized(path, jwt).DELETE());
    }

    private HttpRequest.Builder authorized(String path, String jwt) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway.httpBase() + path));
        if (jwt != null) {
            request.header("Authorization", "Bearer " + jwt);
        }
        return request;
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
