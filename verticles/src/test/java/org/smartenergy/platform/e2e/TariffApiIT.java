package org.smartenergy.platform.e2e;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The operator API for tariffs and tariff assignment, through a whole node (MongoDB collection {@code tariffs}). */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TariffApiIT {

    private static PlatformHarness platform;
    private static JsonObject example;

    @BeforeAll
    static void startPlatform() throws Exception {
        platform = new PlatformHarness();
        try (var in = TariffApiIT.class.getResourceAsStream("/tariffs/example-tou.json")) {
            example = new JsonObject(new String(Objects.requireNonNull(in).readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @AfterAll
    static void stopPlatform() throws Exception {
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void postingATariffTwiceCreatesVersionOneThenTwoAndEachVersionStaysReadable() throws Exception {
        // GIVEN a new tariff id
        String id = "tou-" + UUID.randomUUID().toString().substring(0, 8);
        JsonObject v1 = example.copy().put("id", id);

        // WHEN it is posted, then posted again with another standing charge
        HttpResponse<String> first = post(v1);
        HttpResponse<String> second = post(v1.copy().put("standingChargePerDay", "0.5000").put("version", 99));

        // THEN the versions are 1 and 2 (the server numbers them), the latest is 2 and version 1 is unchanged
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        assertThat(new JsonObject(first.body()).getInteger("version")).isEqualTo(1);
        assertThat(second.statusCode()).as(second.body()).isEqualTo(201);
        assertThat(new JsonObject(second.body()).getInteger("version")).isEqualTo(2);
        assertThat(second.headers().firstValue("location")).hasValue("/api/v1/tariffs/" + id + "?version=2");

        JsonObject latest = get("/api/v1/tariffs/" + id, 200);
        assertThat(latest.getInteger("version")).isEqualTo(2);
        assertThat(latest.getString("standingChargePerDay")).isEqualTo("0.5000");
        JsonObject one = get("/api/v1/tariffs/" + id + "?version=1", 200);
        assertThat(one.getInteger("version")).isEqualTo(1);
        assertThat(one.getString("standingChargePerDay")).isEqualTo("0.4500");
        assertThat(get("/api/v1/tariffs/" + id + "?version=3", 404).getString("error")).isEqualTo("not_found");
        assertThat(get("/api/v1/tariffs/no-such-tariff", 404).getString("error")).isEqualTo("not_found");

        // AND the list holds the latest version of each tariff only
        JsonArray tariffs = get("/api/v1/tariffs", 200).getJsonArray("tariffs");
        assertThat(tariffs.stream().map(JsonObject.class::cast).filter(t -> id.equals(t.getString("id"))).toList())
                .singleElement().satisfies(t -> assertThat(t.getInteger("version")).isEqualTo(2));
    }

    @Test
    void anInvalidTariffIsRefusedWithEveryProblemNamedAndNothingIsStored() throws Exception {
        String id = "bad-" + UUID.randomUUID().toString().substring(0, 8);
        JsonObject invalid = example.copy().put("id", id).put("currency", "EURO").put("standingChargePerDay", "-1");

        HttpResponse<String> response = post(invalid);

        assertThat(response.statusCode()).isEqualTo(400);
        JsonObject body = new JsonObject(response.body());
        assertThat(body.getString("error")).isEqualTo("bad_request");
        assertThat(body.getJsonArray("problems").encode()).contains("currency");
        get("/api/v1/tariffs/" + id, 404);
    }

    @Test
    void onlyAnAdminMayCreateOrAssignTariffs() throws Exception {
        HttpResponse<String> response = platform.httpSend("POST", "/api/v1/tariffs", platform.viewerToken,
                example.encode());
        assertThat(response.statusCode()).isEqualTo(403);
        response = platform.httpSend("PUT", "/api/v1/devices/any/tariff", platform.viewerToken,
                new JsonObject().put("tariffId", "x").encode());
        assertThat(response.statusCode()).isEqualTo(403);
    }

    @Test
    void assigningATariffToADeviceNeedsBothToExistAndMayPinAVersion() throws Exception {
        // GIVEN a device and a tariff with two versions
        String device = "assign-" + UUID.randomUUID().toString().substring(0, 8);
        String id = "tou-" + UUID.randomUUID().toString().substring(0, 8);
        platform.provision(device);
        post(example.copy().put("id", id));
        post(example.copy().put("id", id));

        // WHEN / THEN unknown device or tariff: 404; latest: effective version 2; pinned: version 1
        assertThat(put("/api/v1/devices/nobody-" + device + "/tariff", new JsonObject().put("tariffId", id))
                .statusCode()).isEqualTo(404);
        assertThat(put("/api/v1/devices/" + device + "/tariff", new JsonObject().put("tariffId", "none"))
                .statusCode()).isEqualTo(404);
        assertThat(put("/api/v1/devices/" + device + "/tariff", new JsonObject().put("tariffId", id).put("version", 3))
                .statusCode()).isEqualTo(404);
        assertThat(put("/api/v1/devices/" + device + "/tariff", new JsonObject().put("version", 1))
                .statusCode()).isEqualTo(400);

        HttpResponse<String> latest = put("/api/v1/devices/" + device + "/tariff", new JsonObject().put("tariffId", id));
        assertThat(latest.statusCode()).as(latest.body()).isEqualTo(200);
        assertThat(new JsonObject(latest.body()).getInteger("effectiveVersion")).isEqualTo(2);
        assertThat(get("/api/v1/devices/" + device + "/bills/current", 200).getJsonObject("tariff"))
                .isEqualTo(new JsonObject().put("id", id).put("version", 2));

        HttpResponse<String> pinned = put("/api/v1/devices/" + device + "/tariff",
                new JsonObject().put("tariffId", id).put("version", 1));
        assertThat(pinned.statusCode()).as(pinned.body()).isEqualTo(200);
        assertThat(get("/api/v1/devices/" + device + "/bills/current", 200).getJsonObject("tariff"))
                .isEqualTo(new JsonObject().put("id", id).put("version", 1));
        // no bill has been issued yet
        assertThat(get("/api/v1/devices/" + device + "/bills", 200).getJsonArray("bills")).isEmpty();
    }

    @Test
    void supplyStartsFromItsEffectiveDayAndEndsOverDeleteAndChangesInClosedPeriodsOrTheFutureAreRefused()
            throws Exception {
        // GIVEN a device and a tariff (Europe/Berlin, monthly from the 1st)
        String device = "supply-" + UUID.randomUUID().toString().substring(0, 8);
        String id = "tou-" + UUID.randomUUID().toString().substring(0, 8);
        platform.provision(device);
        post(example.copy().put("id", id));
        String path = "/api/v1/devices/" + device + "/tariff";
        java.time.Instant now = java.time.Instant.now();

        // WHEN / THEN an effective instant in a long-closed period: 409; in the future or malformed: 400
        HttpResponse<String> closed = put(path, new JsonObject().put("tariffId", id)
                .put("effectiveFrom", "2020-01-15T00:00:00Z"));
        assertThat(closed.statusCode()).as(closed.body()).isEqualTo(409);
        assertThat(new JsonObject(closed.body()).getString("message")).contains("closed");
        assertThat(put(path, new JsonObject().put("tariffId", id)
                .put("effectiveFrom", now.plusSeconds(86_400).toString())).statusCode()).isEqualTo(400);
        HttpResponse<String> malformed = put(path, new JsonObject().put("tariffId", id).put("effectiveFrom", "soon"));
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(malformed.body()).getString("message")).contains("effectiveFrom");
        assertThat(put(path, new JsonObject().put("tariffId", id)
                .put("effectiveFrom", "-1000000000-01-01T00:00:00Z")).statusCode()).isEqualTo(400);
        assertThat(get("/api/v1/devices/" + device + "/bills/current", 404).getString("error"))
                .isEqualTo("not_found");

        // WHEN assigned now, THEN supply starts today (Berlin) and the running bill starts on that day
        String today = now.atZone(java.time.ZoneId.of("Europe/Berlin")).toLocalDate().toString();
        HttpResponse<String> assigned = put(path, new JsonObject().put("tariffId", id)
                .put("effectiveFrom", now.toString()));
        assertThat(assigned.statusCode()).as(assigned.body()).isEqualTo(200);
        assertThat(new JsonObject(assigned.body()).getString("effectiveFrom")).isEqualTo(today);
        assertThat(get("/api/v1/devices/" + device + "/bills/current", 200).getString("periodStart"))
                .isEqualTo(today);

        // WHEN the supply is ended (viewer may not; a malformed effectiveTo is 400)
        assertThat(platform.httpSend("DELETE", path, platform.viewerToken, null).statusCode()).isEqualTo(403);
        assertThat(platform.httpSend("DELETE", path + "?effectiveTo=later", platform.adminToken, null)
                .statusCode()).isEqualTo(400);
        HttpResponse<String> ended = platform.httpSend("DELETE", path, platform.adminToken, null);

        // THEN it ends today, there is no running bill, and ending it again is 404
        assertThat(ended.statusCode()).as(ended.body()).isEqualTo(200);
        assertThat(new JsonObject(ended.body()).getString("effectiveTo")).isEqualTo(today);
        assertThat(get("/api/v1/devices/" + device + "/bills/current", 404).getString("error"))
                .isEqualTo("not_found");
        assertThat(platform.httpSend("DELETE", path, platform.adminToken, null).statusCode()).isEqualTo(404);
    }

    @Test
    void aDeviceWithoutTariffHasNoCurrentBill() throws Exception {
        String device = "untariffed-" + UUID.randomUUID().toString().substring(0, 8);
        platform.provision(device);
        assertThat(get("/api/v1/devices/" + device + "/bills/current", 404).getString("message"))
                .contains("no tariff");
        assertThat(get("/api/v1/devices/" + device + "/bills/11-2026", 400).getString("error"))
                .isEqualTo("bad_request");
    }

    private static HttpResponse<String> post(JsonObject tariff) throws Exception {
        return platform.httpSend("POST", "/api/v1/tariffs", platform.adminToken, tariff.encode());
    }

    private static HttpResponse<String> put(String path, JsonObject body) throws Exception {
        return platform.httpSend("PUT", path, platform.adminToken, body.encode());
    }

    private static JsonObject get(String path, int status) throws Exception {
        HttpResponse<String> response = platform.httpSend("GET", path, platform.viewerToken, null);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(status);
        return new JsonObject(response.body());
    }
}
