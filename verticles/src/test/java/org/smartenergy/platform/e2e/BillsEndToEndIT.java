package org.smartenergy.platform.e2e;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.smartenergy.platform.billing.bills.BillJson;
import org.smartenergy.platform.gateway.http.BillJsonMapper;
import org.smartenergy.platform.domain.tariff.BillView;
import org.smartenergy.platform.tariffjson.TariffJson;
import org.smartenergy.platform.domain.Energy;
import org.smartenergy.platform.domain.MeterReading;
import org.smartenergy.platform.domain.tariff.Adjustment;
import org.smartenergy.platform.domain.tariff.Bill;
import org.smartenergy.platform.domain.tariff.BillingPeriod;
import org.smartenergy.platform.domain.tariff.Tariff;
import org.smartenergy.platform.domain.tariff.TariffEngine;
import org.smartenergy.proto.v1.GetBillRequest;
import org.smartenergy.proto.v1.Reading;
import org.smartenergy.proto.v1.ReadingAck;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Bills end to end through one node with every role: readings streamed over gRPC, stored by billing, rated with the
 * device's tariff; the billing clock is moved forward to close a period. The last test moves the clock, so the
 * tests run in order.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BillsEndToEndIT {

    private static final MutableClock CLOCK = new MutableClock(Instant.now());
    private static PlatformHarness platform;
    private static Redis redis;
    private static Tariff tariff;

    @BeforeAll
    static void startPlatform() throws Exception {
        platform = new PlatformHarness(config -> config.getJsonObject("billing").put("closeCheckIntervalMs", 200),
                CLOCK);
        redis = Redis.createClient(platform.vertx, platform.config.getJsonObject("redis").getString("connectionString"));
        String json;
        try (var in = BillsEndToEndIT.class.getResourceAsStream("/tariffs/example-tou.json")) {
            json = new String(Objects.requireNonNull(in).readAllBytes(), StandardCharsets.UTF_8);
        }
        HttpResponse<String> created = platform.httpSend("POST", "/api/v1/tariffs", platform.adminToken, json);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        tariff = TariffJson.fromJson(new JsonObject(created.body()));
    }

    @AfterAll
    static void stopPlatform() throws Exception {
        if (redis != null) {
            redis.close();
        }
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    @Order(1)
    void currentBillEqualsTheTariffEngineOverTheStreamedReadingsLineByLineAndRedisHoldsIt() throws Exception {
        // GIVEN a device with the example tariff and a day of 15-minute readings streamed through gRPC
        String device = "bill-" + UUID.randomUUID().toString().substring(0, 8);
        String token = platform.provision(device);
        assign(device);
        List<Reading> readings = quarterHours(device, Instant.now().truncatedTo(ChronoUnit.HOURS), 96);
        List<ReadingAck> acks = platform.stream(token, readings, 64);
        assertThat(acks).hasSize(96).allMatch(a -> a.getOutcome() == ReadingAck.Outcome.ACCEPTED);

        // THEN /bills/current is, line by line, what the engine makes of the same readings for the open period
        BillingPeriod period = tariff.billingCycle().periodContaining(CLOCK.instant(), tariff.zone());
        Bill expected = TariffEngine.rate(tariff, period, meterReadings(readings));
        JsonObject expectedJson = BillJsonMapper.toJson(
                new BillView(device, expected, BillView.Status.OPEN, null, List.of()));
        JsonObject current = awaitCurrentBill(device, expectedJson);
        assertThat(current.getJsonArray("lines")).isEqualTo(expectedJson.getJsonArray("lines"));
        assertThat(current.getJsonArray("taxes")).isEqualTo(expectedJson.getJsonArray("taxes"));
        assertThat(current.getString("total")).isEqualTo(expected.total().toPlainString());
        assertThat(current.getInteger("readings")).isEqualTo(expected.readingCount());
        assertThat(current.getJsonObject("tariff")).isEqualTo(new JsonObject().put("id", tariff.id())
                .put("version", tariff.version()));

        // AND Redis holds the same bill under <prefix>device:{<id>}:bill:current (refreshed after the readings)
        String key = platform.redisPrefix() + "device:{" + device + "}:bill:current";
        AtomicReference<String> cached = new AtomicReference<>();
        PlatformHarness.await("Redis holds the current bill", Duration.ofSeconds(20), () -> {
            Response r = RedisAPI.api(redis).get(key).await();
            cached.set(r == null ? null : r.toString());
            return cached.get() != null && new JsonObject(cached.get()).equals(expectedJson);
        });
    }

    @Test
    @Order(2)
    void getBillOverGrpcReturnsTheTokensOwnBillAndRefusesAnotherDevice() throws Exception {
        // GIVEN two devices, one with a tariff and readings
        String device = "grpc-bill-" + UUID.randomUUID().toString().substring(0, 8);
        String other = "grpc-other-" + UUID.randomUUID().toString().substring(0, 8);
        String token = platform.provision(device);
        String otherToken = platform.provision(other);
        assign(device);
        List<Reading> readings = quarterHours(device, Instant.now().truncatedTo(ChronoUnit.HOURS), 8);
        assertThat(platform.stream(token, readings, 8)).hasSize(8);
        BillingPeriod period = tariff.billingCycle().periodContaining(CLOCK.instant(), tariff.zone());
        Bill expected = TariffEngine.rate(tariff, period, meterReadings(readings));
        awaitCurrentBill(device, BillJsonMapper.toJson(
                new BillView(device, expected, BillView.Status.OPEN, null, List.of())));

        // WHEN the device asks for its current bill
        org.smartenergy.proto.v1.Bill bill = platform.billing(token)
                .getBill(GetBillRequest.newBuilder().setDeviceId(device).build());

        // THEN it gets it, money as decimal strings
        assertThat(bill.getDeviceId()).isEqualTo(device);
        assertThat(bill.getStatus()).isEqualTo(org.smartenergy.proto.v1.Bill.Status.OPEN);
        assertThat(bill.getTotal()).isEqualTo(expected.total().toPlainString());
        assertThat(bill.getCurrency()).isEqualTo("EUR");
        assertThat(bill.getTariffVersion()).isEqualTo(tariff.version());
        assertThat(bill.getReadings()).isEqualTo(expected.readingCount());
        assertThat(bill.getLinesList()).extracting(l -> l.getAmount())
                .containsExactlyElementsOf(expected.lines().stream().map(l -> l.amount().toPlainString()).toList());

        // AND another device's token may not read it; a device without tariff has no bill; a bad period is refused
        assertThatThrownBy(() -> platform.billing(otherToken)
                .getBill(GetBillRequest.newBuilder().setDeviceId(device).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThatThrownBy(() -> platform.billing(otherToken)
                .getBill(GetBillRequest.newBuilder().setDeviceId(other).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> platform.billing(token)
                .getBill(GetBillRequest.newBuilder().setDeviceId(device).setPeriod("november").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        // a year YearMonth.parse would take but no bill can have (beyond the protobuf Timestamp range)
        assertThatThrownBy(() -> platform.billing(token)
                .getBill(GetBillRequest.newBuilder().setDeviceId(device).setPeriod("+999999999-12").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).startsWith("period must be yyyy-MM");
                });
        assertThatThrownBy(() -> platform.billing("not-a-token")
                .getBill(GetBillRequest.newBuilder().setDeviceId(device).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    }

    @Test
    @Order(3)
    void closedPeriodIsIssuedOnceAndALateReadingBecomesAnAdjustmentOnTheNextBill() throws Exception {
        // GIVEN a device with 8 readings in the open period
        String device = "close-" + UUID.randomUUID().toString().substring(0, 8);
        String token = platform.provision(device);
        assign(device);
        Instant lastEnd = Instant.now().truncatedTo(ChronoUnit.HOURS);
        BillingPeriod period = tariff.billingCycle().periodContaining(CLOCK.instant(), tariff.zone());
        assumeTrue(lastEnd.minus(Duration.ofHours(3)).isAfter(period.startInstant(tariff.zone())),
                "the readings must lie in one period (not so in the first hours of a month)");
        List<Reading> readings = quarterHours(device, lastEnd, 8);
        assertThat(platform.stream(token, readings, 8)).hasSize(8);
        Bill before = TariffEngine.rate(tariff, period, meterReadings(readings));
        awaitCurrentBill(device, BillJsonMapper.toJson(
                new BillView(device, before, BillView.Status.OPEN, null, List.of())));

        // WHEN the billing clock passes the period's end plus the 48 h grace
        CLOCK.set(period.endInstant(tariff.zone()).plus(Duration.ofHours(49)));

        // THEN the period is issued, once, also after several more closing runs (every 200 ms)
        String name = BillView.periodName(period);
        JsonObject issued = awaitJson("the bill of " + name + " is issued", "/api/v1/devices/" + device + "/bills",
                list -> list.getJsonArray("bills").size() == 1).getJsonArray("bills").getJsonObject(0);
        assertThat(issued.getString("status")).isEqualTo("issued");
        assertThat(issued.getString("period")).isEqualTo(name);
        assertThat(issued.getString("total")).isEqualTo(before.total().toPlainString());
        Thread.sleep(1_000);
        JsonObject list = get("/api/v1/devices/" + device + "/bills");
        assertThat(list.getJsonArray("bills")).hasSize(1);
        assertThat(list.getJsonArray("bills").getJsonObject(0)).isEqualTo(issued);

        // WHEN a late reading for the closed period arrives
        Reading late = PlatformHarness.reading(device, lastEnd.minus(Duration.ofMinutes(67)), 3.5, 1000);
        assertThat(platform.blocking(token).sendReading(late).getOutcome()).isEqualTo(ReadingAck.Outcome.ACCEPTED);

        // THEN the next (open) bill carries an adjustment naming the corrected period, worth the difference
        List<Reading> all = new ArrayList<>(readings);
        all.add(late);
        Bill rerated = TariffEngine.rate(tariff, period, meterReadings(all));
        Adjustment adjustment = TariffEngine.adjustmentFor(BillJson.fromJson(issued), rerated);
        assertThat(adjustment.amount().signum()).isPositive();
        JsonObject next = awaitJson("the next bill carries the adjustment",
                "/api/v1/devices/" + device + "/bills/current",
                bill -> bill.getJsonArray("adjustments").size() == 1);
        JsonObject line = next.getJsonArray("adjustments").getJsonObject(0);
        assertThat(next.getString("periodStart")).isEqualTo(period.end().toString());
        assertThat(line.getJsonObject("correctedPeriod").getString("name")).isEqualTo(name);
        assertThat(line.getString("description")).contains(period.toString());
        assertThat(line.getString("amount")).isEqualTo(adjustment.amount().toPlainString());
        assertThat(next.getString("adjustmentTotal")).isEqualTo(adjustment.amount().toPlainString());

        // AND the issued bill has not changed
        assertThat(get("/api/v1/devices/" + device + "/bills/" + name)).isEqualTo(issued);
    }

    // ---------------------------------------------------------------- helpers

    private static void assign(String device) throws Exception {
        // supplied from the start of the open period, so the whole period is this device's
        Instant from = tariff.billingCycle().periodContaining(CLOCK.instant(), tariff.zone())
                .startInstant(tariff.zone());
        HttpResponse<String> response = platform.httpSend("PUT", "/api/v1/devices/" + device + "/tariff",
                platform.adminToken, new JsonObject().put("tariffId", tariff.id())
                        .put("effectiveFrom", from.toString()).encode());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    /** {@code count} 15-minute readings, the last ending at {@code lastEnd}, of 0.125 to 1 kWh. */
    private static List<Reading> quarterHours(String device, Instant lastEnd, int count) {
        List<Reading> readings = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Instant end = lastEnd.minus(Duration.ofMinutes(15L * (count - 1 - i)));
            readings.add(PlatformHarness.reading(device, end, (i % 8 + 1) * 0.125, i + 1));
        }
        return readings;
    }

    private static List<MeterReading> meterReadings(List<Reading> readings) {
        return readings.stream().map(r -> new MeterReading(r.getDeviceId(),
                Instant.ofEpochSecond(r.getTimestamp().getSeconds(), r.getTimestamp().getNanos()),
                Energy.toMwh(r.getUsageKwh()), r.getSeq(), r.getIntervalSeconds())).toList();
    }

    private static JsonObject awaitCurrentBill(String device, JsonObject expected) throws Exception {
        return awaitJson("the current bill of " + device + " equals " + expected.encode(),
                "/api/v1/devices/" + device + "/bills/current", expected::equals);
    }

    private static JsonObject awaitJson(String what, String path, java.util.function.Predicate<JsonObject> done)
            throws Exception {
        AtomicReference<JsonObject> last = new AtomicReference<>();
        try {
            PlatformHarness.await(what, Duration.ofSeconds(30), () -> {
                try {
                    last.set(get(path));
                } catch (Exception e) {
                    return false;
                }
                return done.test(last.get());
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last answer: " + last.get(), e);
        }
        return last.get();
    }

    private static JsonObject get(String path) throws Exception {
        HttpResponse<String> response = platform.httpSend("GET", path, platform.viewerToken, null);
        if (response.statusCode() != 200) {
            throw new IllegalStateException(response.statusCode() + " " + response.body());
        }
        return new JsonObject(response.body());
    }
}
