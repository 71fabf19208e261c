package org.smartenergy.platform.billing.bills;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.smartenergy.platform.billing.MongoReadingStore;
import org.smartenergy.platform.domain.MeterReading;
import org.smartenergy.platform.storage.StandInMongo;
import org.smartenergy.platform.e2e.MutableClock;
import org.smartenergy.platform.tariffjson.TariffJson;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The closing counters of {@link BillMetrics}, fed by {@link BillService}: bills issued, their adjustment lines and
 * failed closings, against a MongoDB stand-in with a clock the test moves (tariff as in {@link BillServiceTest}).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BillMetricsTest {

    private static final String DEVICE = "meter-9";
    private static final JsonObject FLAT = new JsonObject()
            .put("id", "flat-de")
            .put("currency", "EUR")
            .put("zone", "Europe/Berlin")
            .put("billingCycle", new JsonObject().put("anchorDay", 1))
            .put("energy", new JsonObject().put("type", "flat").put("pricePerKwh", "0.30"))
            .put("standingChargePerDay", "0.50")
            .put("taxes", new JsonArray().add(new JsonObject().put("name", "VAT").put("percent", "19")));

    @RegisterExtension
    static final StandInMongo MONGO = new StandInMongo("/?w=majority&journal=true");

    private Vertx vertx;
    private MongoClient mongo;
    private MongoReadingStore store;
    private TariffRepository tariffs;
    private MutableClock clock;
    private SimpleMeterRegistry registry;

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
        mongo = MONGO.newDatabase(vertx);
        store = new MongoReadingStore(mongo, "usage_hours");
        tariffs = new TariffRepository(mongo);
        clock = new MutableClock(Instant.parse("2026-01-05T00:00:00Z"));
        registry = new SimpleMeterRegistry();
        await(store.init().compose(v -> tariffs.init()).compose(v -> new BillRepository(mongo).init()));
        await(tariffs.create(TariffJson.definition(FLAT), clock.instant()));
    }

    @AfterEach
    void tearDown() {
        await(mongo.close());
        await(vertx.close());
    }

    @Test
    void countersExistAtZeroBeforeAnyBill() {
        // WHEN the metrics are created
        new BillMetrics(registry);

        // THEN each counter is there at 0 (rate() and the alerts see it before the first closing)
        assertThat(count(BillMetrics.ISSUED_METRIC)).isZero();
        assertThat(count(BillMetrics.ADJUSTMENTS_METRIC)).isZero();
        assertThat(count(BillMetrics.CLOSE_FAILURES_METRIC)).isZero();
    }

    @Test
    void closingCountsEachIssuedBillOnceAndTheAdjustmentLinesItCarries() {
        // GIVEN a supplied device with ten January readings, and a second node sharing the database
        BillService node = service(store, new BillMetrics(registry));
        BillService other = service(store, BillEvents.NONE);
        await(node.assign(DEVICE, await(tariffs.latest("flat-de")), null, Instant.parse("2025-12-31T23:00:00Z")));
        await(store.store(januaryReadings()));

        // WHEN January is closed, the other node closing the same period again
        clock.set(Instant.parse("2026-02-03T00:00:00Z"));
        assertThat(await(node.closeAllDue())).isEqualTo(1);
        assertThat(await(other.closeAllDue())).isZero();
        assertThat(await(node.closeAllDue())).isZero();

        // THEN one bill is counted, without adjustments
        assertThat(count(BillMetrics.ISSUED_METRIC)).isEqualTo(1);
        assertThat(count(BillMetrics.ADJUSTMENTS_METRIC)).isZero();

        // WHEN a late January reading arrives and February is closed
        await(store.store(List.of(new MeterReading(DEVICE, Instant.parse("2026-01-20T12:00:00Z"), 2_000_000, 99,
                900))));
        clock.set(Instant.parse("2026-03-03T00:00:00Z"));
        assertThat(await(node.closeAllDue())).isEqualTo(1);

        // THEN the second bill and its one adjustment line (correcting January) are counted, and nothing failed
        assertThat(count(BillMetrics.ISSUED_METRIC)).isEqualTo(2);
        assertThat(count(BillMetrics.ADJUSTMENTS_METRIC)).isEqualTo(1);
        assertThat(count(BillMetrics.CLOSE_FAILURES_METRIC)).isZero();
    }

    @Test
    void aDeviceWhoseClosingFailsIsCountedAsAFailureAndTheRunGoesOn() {
        // GIVEN two supplied devices; the readings of one of them cannot be read
        PeriodReadings failingForDevice = (deviceId, from, to) -> DEVICE.equals(deviceId)
                ? Future.failedFuture(new IllegalStateException("MongoDB unavailable"))
                : store.readings(deviceId, from, to);
        BillService node = service(failingForDevice, new BillMetrics(registry));
        await(node.assign(DEVICE, await(tariffs.latest("flat-de")), null, Instant.parse("2025-12-31T23:00:00Z")));
        await(node.assign("meter-10", await(tariffs.latest("flat-de")), null, Instant.parse("2025-12-31T23:00:00Z")));

        // WHEN January is due
        clock.set(Instant.parse("2026-02-03T00:00:00Z"));
        int issued = await(node.closeAllDue());

        // THEN the healthy device's bill is issued and the other device's closing counts as one failure
        assertThat(issued).isEqualTo(1);
        assertThat(count(BillMetrics.ISSUED_METRIC)).isEqualTo(1);
        assertThat(count(BillMetrics.CLOSE_FAILURES_METRIC)).isEqualTo(1);
    }

    @Test
    void aClosingRunThatCannotListTheDevicesCountsAsAFailure() {
        // GIVEN a node whose MongoDB cannot be reached (nothing listens on port 1). Not a just-closed client: a find
        // right after its close once succeeded in CI
        MongoClient unreachable = MongoClient.create(vertx, new JsonObject()
                .put("connection_string", "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500&connectTimeoutMS=500")
                .put("db_name", "bill-metrics-test"));
        try {
            BillService node = service(new TariffRepository(unreachable), unreachable, store,
                    new BillMetrics(registry));

            // WHEN it tries to close
            Future<Integer> run = node.closeAllDue();
            awaitCompletion(run);

            // THEN the run failed and is counted once
            assertThat(run.failed()).isTrue();
            assertThat(count(BillMetrics.CLOSE_FAILURES_METRIC)).isEqualTo(1);
        } finally {
            await(unreachable.close());
        }
    }

    // -----------------------------------------------------------------------------------------------------------

    private BillService service(PeriodReadings readings, BillEvents events) {
        return service(tariffs, mongo, readings, events);
    }

    private BillService service(TariffRepository tariffs, MongoClient db, PeriodReadings readings, BillEvents events) {
        return new BillService(tariffs, new BillRepository(db), readings, null, clock, Duration.ofHours(48),
                RatingExecutor.CALLER, events);
    }

    private double count(String name) {
        return registry.get(name).counter().count();
    }

    private static List<MeterReading> januaryReadings() {
        List<MeterReading> readings = new ArrayList<>();
        Instant start = Instant.parse("2026-01-10T10:00:00Z");
        for (int i = 0; i < 10; i++) {
            readings.add(new MeterReading(DEVICE, start.plus(Duration.ofMinutes(15L * i)), 1_000_000, i, 900));
        }
        return readings;
    }

    private static void awaitCompletion(Future<?> future) {
        try {
            future.await(20, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("timed out", e);
        } catch (Exception e) {
            // the outcome is asserted by the caller
        }
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.await(20, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("timed out", e);
        }
    }
}
