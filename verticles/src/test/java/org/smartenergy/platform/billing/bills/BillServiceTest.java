package org.smartenergy.platform.billing.bills;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.smartenergy.platform.billing.MongoReadingStore;
import org.smartenergy.platform.billing.MongoSettings;
import org.smartenergy.platform.domain.MeterReading;
import org.smartenergy.platform.billing.RedisSettings;
import org.smartenergy.platform.domain.tariff.Bill;
import org.smartenergy.platform.domain.tariff.BillView;
import org.smartenergy.platform.domain.tariff.BillingPeriod;
import org.smartenergy.platform.domain.tariff.InvalidTariffException;
import org.smartenergy.platform.gateway.http.BillJsonMapper;
import org.smartenergy.platform.tariffjson.TariffJson;
import org.smartenergy.platform.e2e.MutableClock;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Closing and late readings against a MongoDB stand-in, with a clock the test moves. Tariff: flat 0.30 EUR/kWh,
 * standing charge 0.50 EUR/day, VAT 19 %, Europe/Berlin, monthly from the 1st. January 2026 has 31 days.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BillServiceTest {

    private static final String DEVICE = "meter-7";
    private static final JsonObject FLAT = new JsonObject()
            .put("id", "flat-de")
            .put("currency", "EUR")
            .put("zone", "Europe/Berlin")
            .put("billingCycle", new JsonObject().put("anchorDay", 1))
            .put("energy", new JsonObject().put("type", "flat").put("pricePerKwh", "0.30"))
            .put("standingChargePerDay", "0.50")
            .put("taxes", new JsonArray().add(new JsonObject().put("name", "VAT").put("percent", "19")));

    private static MongoServer server;
    private static String connectionString;

    private Vertx vertx;
    private MongoClient mongoA;
    private MongoClient mongoB;
    private MongoReadingStore store;
    private TariffRepository tariffs;
    private MutableClock clock;
    private BillService nodeA;
    private BillService nodeB;

    @BeforeAll
    static void startServer() {
        server = new MongoServer(new MemoryBackend());
        InetSocketAddress address = server.bind();
        connectionString = "mongodb://127.0.0.1:" + address.getPort() + "/?w=majority&journal=true";
    }

    @AfterAll
    static void stopServer() {
        server.shutdownNow();
    }

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
        String db = "energy-" + UUID.randomUUID();
        // two clients: two nodes sharing one database
        mongoA = MongoClient.create(vertx, new MongoSettings(connectionString, db, 3000, 3000).toClientConfig());
        mongoB = MongoClient.create(vertx, new MongoSettings(connectionString, db, 3000, 3000).toClientConfig());
        store = new MongoReadingStore(mongoA, "usage_hours");
        tariffs = new TariffRepository(mongoA);
        clock = new MutableClock(Instant.parse("2026-01-05T00:00:00Z"));
        nodeA = new BillService(tariffs, new BillRepository(mongoA), store, null, clock, Duration.ofHours(48));
        nodeB = new BillService(new TariffRepository(mongoB), new BillRepository(mongoB),
                new MongoReadingStore(mongoB, "usage_hours"), null, clock, Duration.ofHours(48));
        await(store.init().compose(v -> tariffs.init()).compose(v -> new BillRepository(mongoA).init()));
        await(tariffs.create(TariffJson.definition(FLAT), clock.instant()));
        // supplied from the start of January (the clock is 5 January): the whole month is billed
        await(nodeA.assign(DEVICE, await(tariffs.latest("flat-de")), null,
                Instant.parse("2025-12-31T23:00:00Z")));
    }

    @AfterEach
    void tearDown() {
        await(Future.join(mongoA.close(), mongoB.close()));
        await(vertx.close());
    }

    @Test
    void closingTheSamePeriodOnTwoNodesAtOnceIssuesOneBillAndRunningAgainChangesNothing() {
        // GIVEN ten 1-kWh readings in January and the clock past 1 February 00:00 Berlin + 48 h grace
        storeReadings(tenJanuaryReadings());
        clock.set(Instant.parse("2026-02-03T00:00:00Z"));

        // WHEN two nodes close at the same moment
        Future<Integer> a = nodeA.closeDue(DEVICE);
        Future<Integer> b = nodeB.closeDue(DEVICE);
        await(Future.join(a, b));

        // THEN exactly one bill was issued: 10 kWh x 0.30 = 3.00; 31 days x 0.50 = 15.50; subtotal 18.50;
        // VAT 19 % = 3.515 -> 3.52 (half-even); total 22.02
        assertThat(a.result() + b.result()).isEqualTo(1);
        List<BillView> issued = await(nodeA.issued(DEVICE, 10));
        assertThat(issued).hasSize(1);
        JsonObject first = BillJsonMapper.toJson(issued.get(0));
        assertThat(first.getString("status")).isEqualTo("issued");
        assertThat(first.getString("period")).isEqualTo("2026-01");
        assertThat(first.getString("subtotal")).isEqualTo("18.50");
        assertThat(first.getString("taxTotal")).isEqualTo("3.52");
        assertThat(first.getString("total")).isEqualTo("22.02");

        // AND closing again (either node) issues nothing and the stored bill is unchanged
        assertThat(await(nodeB.closeDue(DEVICE))).isZero();
        assertThat(await(nodeA.closeAllDue())).isZero();
        assertThat(await(nodeB.issued(DEVICE, 10))).hasSize(1);
        assertThat(BillJsonMapper.toJson(await(nodeB.forPeriod(DEVICE, YearMonth.of(2026, 1))))).isEqualTo(first);
    }

    @Test
    void ratingRunsOnTheWorkerPoolNotOnTheEventLoopThatAskedForTheBill() {
        // GIVEN a node whose rating goes to Vert.x's worker pool, recording the threads it ran on
        storeReadings(tenJanuaryReadings());
        List<String> ratingThreads = new java.util.concurrent.CopyOnWriteArrayList<>();
        RatingExecutor workers = RatingExecutor.workerPool(vertx);
        BillService node = new BillService(tariffs, new BillRepository(mongoA), store, null, clock,
                Duration.ofHours(48), new RatingExecutor() {
                    @Override
                    public <T> Future<T> run(java.util.concurrent.Callable<T> work) {
                        return workers.run(() -> {
                            ratingThreads.add(Thread.currentThread().getName());
                            return work.call();
                        });
                    }
                });
        // WHEN the running bill is asked for from an event loop
        io.vertx.core.Promise<JsonObject> answer = io.vertx.core.Promise.promise();
        vertx.runOnContext(v -> node.currentCached(DEVICE).map(BillJsonMapper::toJson).onComplete(answer));
        JsonObject bill = await(answer.future());
        // THEN it was rated on a worker thread, and it is the bill the inline node computes
        assertThat(ratingThreads).isNotEmpty().allMatch(name -> name.startsWith("vert.x-worker-thread"));
        assertThat(bill).isEqualTo(BillJsonMapper.toJson(await(nodeA.currentCached(DEVICE))));
    }

    @Test
    void aCachedBillIsServedOnlyWhileItIsForTheDevicesTariffVersionAndOpenPeriod() {
        // GIVEN a node with a bill cache on the real Redis, and the device's January bill so far
        storeReadings(tenJanuaryReadings());
        Redis client = Redis.createClient(vertx, RedisSettings.DEFAULTS.toRedisOptions());
        BillCache cache = new BillCache(RedisAPI.api(client), "sep-test:" + UUID.randomUUID() + ":", 2000,
                new SimpleMeterRegistry());
        BillService node = new BillService(tariffs, new BillRepository(mongoA), store, cache, clock,
                Duration.ofHours(48));
        try {
            BillView computed = await(nodeA.current(DEVICE));
            Bill b = computed.bill();

            // WHEN the cache holds a bill for the same tariff version and period (marked by its kWh)
            BillView marked = withBill(computed, new Bill(b.tariffId(), b.tariffVersion(), b.period(), b.currency(),
                    b.lines(), b.subtotal(), b.taxLines(), b.taxTotal(), b.adjustmentLines(), b.adjustmentTotal(),
                    b.total(), new java.math.BigDecimal("99.000000"), b.readingCount()));
            await(cache.put(DEVICE, marked));
            // THEN it is served as it is
            assertThat(await(node.currentCached(DEVICE))).isEqualTo(marked);

            // WHEN it is for another version of the tariff, THEN the bill is computed
            await(cache.put(DEVICE, withBill(computed, new Bill(b.tariffId(), b.tariffVersion() + 1, b.period(),
                    b.currency(), b.lines(), b.subtotal(), b.taxLines(), b.taxTotal(), b.adjustmentLines(),
                    b.adjustmentTotal(), b.total(), b.totalKwh(), b.readingCount()))));
            assertThat(await(node.currentCached(DEVICE))).isEqualTo(computed);

            // WHEN it is for another period (December), THEN the bill is computed
            BillingPeriod december = new BillingPeriod(java.time.LocalDate.parse("2025-12-01"),
                    java.time.LocalDate.parse("2026-01-01"));
            await(cache.put(DEVICE, withBill(computed, new Bill(b.tariffId(), b.tariffVersion(), december,
                    b.currency(), b.lines(), b.subtotal(), b.taxLines(), b.taxTotal(), b.adjustmentLines(),
                    b.adjustmentTotal(), b.total(), b.totalKwh(), b.readingCount()))));
            assertThat(await(node.currentCached(DEVICE))).isEqualTo(computed);

            // AND refreshing the cache stores the computed bill, which is then served
            await(node.refreshCache(DEVICE));
            assertThat(await(cache.get(DEVICE))).isEqualTo(computed);
        } finally {
            await(RedisAPI.api(client).del(List.of(cache.key(DEVICE))).eventually(client::close));
        }
    }

    private static BillView withBill(BillView view, Bill bill) {
        return new BillView(view.deviceId(), bill, view.status(), view.issuedAt(), view.correctedPeriods());
    }

    @Test
    void periodIsNotClosedBeforeItsEndPlusGrace() {
        storeReadings(tenJanuaryReadings());
        // 1 February 00:00 Berlin is 2026-01-31T23:00Z; + 48 h = 2026-02-02T23:00Z
        clock.set(Instant.parse("2026-02-02T22:59:59Z"));
        assertThat(await(nodeA.closeDue(DEVICE))).isZero();
        assertThat(BillJsonMapper.toJson(await(nodeA.forPeriod(DEVICE, YearMonth.of(2026, 1)))).getString("status"))
                .isEqualTo("open");

        clock.set(Instant.parse("2026-02-02T23:00:00Z"));
        assertThat(await(nodeA.closeDue(DEVICE))).isEqualTo(1);
    }

    @Test
    void lateReadingIsAdjustedOnceOnTheNextBillNamingThePeriodAndTheIssuedBillNeverChanges() {
        // GIVEN January issued at 22.02 (see above)
        storeReadings(tenJanuaryReadings());
        clock.set(Instant.parse("2026-02-03T00:00:00Z"));
        assertThat(await(nodeA.closeDue(DEVICE))).isEqualTo(1);
        JsonObject january = BillJsonMapper.toJson(await(nodeA.forPeriod(DEVICE, YearMonth.of(2026, 1))));

        // WHEN a late 2-kWh reading for 20 January is stored
        storeReadings(List.of(new MeterReading(DEVICE, Instant.parse("2026-01-20T12:00:00Z"), 2_000_000, 99, 900)));

        // THEN the February running bill carries one adjustment naming January:
        // re-rated 12 kWh x 0.30 = 3.60; + 15.50 = 19.10; VAT 3.629 -> 3.63; charges 22.73; 22.73 - 22.02 = 0.71
        JsonObject february = BillJsonMapper.toJson(await(nodeA.current(DEVICE)));
        assertThat(february.getString("period")).isEqualTo("2026-02");
        JsonArray adjustments = february.getJsonArray("adjustments");
        assertThat(adjustments).hasSize(1);
        assertThat(adjustments.getJsonObject(0).getString("amount")).isEqualTo("0.71");
        assertThat(adjustments.getJsonObject(0).getJsonObject("correctedPeriod").getString("name"))
                .isEqualTo("2026-01");
        assertThat(adjustments.getJsonObject(0).getString("description")).contains("2026-01-01 to 2026-02-01");
        assertThat(february.getString("adjustmentTotal")).isEqualTo("0.71");
        // AND the issued January bill is exactly as issued
        assertThat(BillJsonMapper.toJson(await(nodeA.forPeriod(DEVICE, YearMonth.of(2026, 1))))).isEqualTo(january);

        // WHEN February is issued (carrying the 0.71), the March bill does not charge it again
        clock.set(Instant.parse("2026-03-03T00:00:00Z"));
        assertThat(await(nodeA.closeDue(DEVICE))).isEqualTo(1);
        JsonObject issuedFebruary = BillJsonMapper.toJson(await(nodeA.forPeriod(DEVICE, YearMonth.of(2026, 2))));
        assertThat(issuedFebruary.getString("adjustmentTotal")).isEqualTo("0.71");
        assertThat(BillJsonMapper.toJson(await(nodeA.current(DEVICE))).getJsonArray("adjustments")).isEmpty();

        // AND a second late reading (1 kWh) yields only its own difference on the next bill:
        // 13 kWh x 0.30 = 3.90; + 15.50 = 19.40; VAT 3.686 -> 3.69; charges 23.09; 23.09 - 22.73 = 0.36
        storeReadings(List.of(new MeterReading(DEVICE, Instant.parse("2026-01-21T12:00:00Z"), 1_000_000, 100, 900)));
        JsonArray march = BillJsonMapper.toJson(await(nodeA.current(DEVICE))).getJsonArray("adjustments");
        assertThat(march).hasSize(1);
        assertThat(march.getJsonObject(0).getString("amount")).isEqualTo("0.36");
        assertThat(BillJsonMapper.toJson(await(nodeA.forPeriod(DEVICE, YearMonth.of(2026, 1))))).isEqualTo(january);
    }

    @Test
    void creatingAnExistingTariffAddsTheNextVersionAndAnInvalidOneNamesItsProblem() {
        assertThat(await(tariffs.create(TariffJson.definition(FLAT.copy().put("version", 7)), clock.instant()))
                .version()).isEqualTo(2);
        assertThat(await(tariffs.latest("flat-de")).version()).isEqualTo(2);
        assertThat(await(tariffs.version("flat-de", 1)).version()).isEqualTo(1);

        assertThatThrownBy(() -> await(tariffs.create(TariffJson.definition(FLAT.copy().put("currency", "XYZ")),
                clock.instant()))).isInstanceOf(InvalidTariffException.class)
                .hasMessageContaining("currency");
    }

    @Test
    void aDeviceWithoutTariffHasNoBill() {
        assertThatThrownBy(() -> await(nodeA.current("no-tariff"))).isInstanceOf(BillingNotFoundException.class);
    }

    // ---------------------------------------------------------------- billing from the assignment

    @Test
    void moveInMidCycleBillsFromTheMoveInDayWithoutTheReadingsBeforeIt() {
        // GIVEN a new device given the tariff on 22 January at 11:00 Berlin (no effective instant: now)
        String device = "meter-in";
        clock.set(Instant.parse("2026-01-22T10:00:00Z"));
        await(nodeA.assign(device, await(tariffs.latest("flat-de")), null, null));
        storeReadings(List.of(
                new MeterReading(device, Instant.parse("2026-01-21T12:00:00Z"), 5_000_000, 1, 900),  // before
                new MeterReading(device, Instant.parse("2026-01-25T12:00:00Z"), 4_000_000, 2, 900)));

        // THEN the running bill is the period 22 January to 1 February, 10 days:
        //   energy 4 kWh x 0.30 = 1.20; standing 10 days x 0.50 = 5.00; subtotal 6.20;
        //   VAT 19 % of 6.20 = 1.178 -> 1.18; total 7.38
        JsonObject current = BillJsonMapper.toJson(await(nodeA.current(device)));
        assertThat(current.getString("periodStart")).isEqualTo("2026-01-22");
        assertThat(current.getString("periodEnd")).isEqualTo("2026-02-01");
        assertThat(lines(current)).containsExactly(
                "energy 4.000000 x 0.30 = 1.20",
                "standing 10 x 0.50 = 5.00");
        assertThat(current.getString("subtotal")).isEqualTo("6.20");
        assertThat(current.getString("taxTotal")).isEqualTo("1.18");
        assertThat(current.getString("total")).isEqualTo("7.38");
        assertThat(current.getInteger("readings")).isEqualTo(1);

        // AND closing after 1 February + grace issues that partial period exactly so
        clock.set(Instant.parse("2026-02-03T00:00:00Z"));
        assertThat(await(nodeA.closeDue(device))).isEqualTo(1);
        JsonObject issued = BillJsonMapper.toJson(await(nodeA.forPeriod(device, YearMonth.of(2026, 1))));
        assertThat(issued.getString("status")).isEqualTo("issued");
        assertThat(issued.getString("periodStart")).isEqualTo("2026-01-22");
        assertThat(lines(issued)).isEqualTo(lines(current));
        assertThat(issued.getString("total")).isEqualTo("7.38");
    }

    @Test
    void moveOutMidCycleClosesAPartialLastPeriodAtItsEndPlusGraceAndEndsTheRunningBill() {
        // GIVEN the device (supplied since 1 January) has 10 kWh on 10 January and 3 kWh on 15 January
        storeReadings(tenJanuaryReadings());
        storeReadings(List.of(new MeterReading(DEVICE, Instant.parse("2026-01-15T12:00:00Z"), 3_000_000, 50, 900)));
        clock.set(Instant.parse("2026-01-12T10:00:00Z"));

        // WHEN its supply ends at 11 January 00:00 Berlin (last day supplied: 10 January)
        TariffRepository.Segment ended = await(nodeA.endSupply(DEVICE, Instant.parse("2026-01-10T23:00:00Z")));
        assertThat(ended.to()).isEqualTo(java.time.LocalDate.parse("2026-01-11"));

        // THEN there is no running bill any more
        assertThatThrownBy(() -> await(nodeA.current(DEVICE))).isInstanceOf(BillingNotFoundException.class);
        // AND the last period is not closed before 11 January 00:00 Berlin (10 Jan 23:00Z) + 48 h = 12 Jan 23:00Z
        assertThat(await(nodeA.closeDue(DEVICE))).isZero();
        clock.set(Instant.parse("2026-01-12T23:00:00Z"));
        assertThat(await(nodeA.closeAllDue())).isEqualTo(1);

        // AND the bill is 1 to 11 January, 10 days, without the reading after the move-out:
        //   energy 10 kWh x 0.30 = 3.00; standing 10 days x 0.50 = 5.00; subtotal 8.00;
        //   VAT 19 % of 8.00 = 1.52; total 9.52
        List<BillView> bills = await(nodeA.issued(DEVICE, 10));
        assertThat(bills).hasSize(1);
        JsonObject last = BillJsonMapper.toJson(bills.get(0));
        assertThat(last.getString("periodStart")).isEqualTo("2026-01-01");
        assertThat(last.getString("periodEnd")).isEqualTo("2026-01-11");
        assertThat(lines(last)).containsExactly(
                "energy 10.000000 x 0.30 = 3.00",
                "standing 10 x 0.50 = 5.00");
        assertThat(last.getString("subtotal")).isEqualTo("8.00");
        assertThat(last.getString("taxTotal")).isEqualTo("1.52");
        assertThat(last.getString("total")).isEqualTo("9.52");
        assertThat(last.getInteger("readings")).isEqualTo(10);

        // AND nothing more is issued later, and the supply cannot be changed inside the closed period
        clock.set(Instant.parse("2026-03-03T00:00:00Z"));
        assertThat(await(nodeB.closeAllDue())).isZero();
        Future<?> reassign = nodeA.assign(DEVICE, await(tariffs.latest("flat-de")), null,
                Instant.parse("2026-01-05T00:00:00Z"));
        assertThatThrownBy(() -> await(reassign)).isInstanceOf(AssignmentRejectedException.class)
                .matches(e -> ((AssignmentRejectedException) e).conflict())
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> await(nodeA.endSupply(DEVICE, null))).isInstanceOf(BillingNotFoundException.class);
    }

    @Test
    void aMidCycleChangeOfTariffBillsTheOldPartWithTheOldTariffAndTheRestWithTheNew() {
        // GIVEN a second tariff: flat 0.20 EUR/kWh, standing 0.40 EUR/day, VAT 19 %
        await(tariffs.create(TariffJson.definition(FLAT.copy().put("id", "flat-b")
                .put("energy", new JsonObject().put("type", "flat").put("pricePerKwh", "0.20"))
                .put("standingChargePerDay", "0.40")), clock.instant()));
        // AND 10 kWh on 10 January, 5 kWh on 16 January
        storeReadings(tenJanuaryReadings());
        storeReadings(List.of(new MeterReading(DEVICE, Instant.parse("2026-01-16T12:00:00Z"), 5_000_000, 50, 900)));
        clock.set(Instant.parse("2026-01-20T10:00:00Z"));
        // AND assigning the tariff the device already has changes nothing
        await(nodeA.assign(DEVICE, await(tariffs.latest("flat-de")), null, null));
        assertThat(BillJsonMapper.toJson(await(nodeA.current(DEVICE))).getString("periodStart")).isEqualTo("2026-01-01");

        // WHEN the device changes to flat-b from 15 January 00:00 Berlin
        await(nodeA.assign(DEVICE, await(tariffs.latest("flat-b")), null, Instant.parse("2026-01-14T23:00:00Z")));

        // THEN the running bill is flat-b's part, 15 January to 1 February = 17 days:
        //   energy 5 kWh x 0.20 = 1.00; standing 17 days x 0.40 = 6.80; subtotal 7.80;
        //   VAT 19 % of 7.80 = 1.482 -> 1.48; total 9.28
        JsonObject current = BillJsonMapper.toJson(await(nodeA.current(DEVICE)));
        assertThat(current.getJsonObject("tariff").getString("id")).isEqualTo("flat-b");
        assertThat(current.getString("periodStart")).isEqualTo("2026-01-15");
        assertThat(lines(current)).containsExactly(
                "energy 5.000000 x 0.20 = 1.00",
                "standing 17 x 0.40 = 6.80");
        assertThat(current.getString("total")).isEqualTo("9.28");

        // AND the old part, 1 to 15 January = 14 days, closes at 15 Jan 00:00 Berlin + 48 h (16 Jan 23:00Z) at
        // flat-de: energy 10 kWh x 0.30 = 3.00; standing 14 days x 0.50 = 7.00; subtotal 10.00; VAT 1.90;
        // total 11.90
        assertThat(await(nodeA.closeDue(DEVICE))).isEqualTo(1);
        JsonObject old = BillJsonMapper.toJson(await(nodeA.issued(DEVICE, 10)).get(0));
        assertThat(old.getJsonObject("tariff").getString("id")).isEqualTo("flat-de");
        assertThat(old.getString("periodStart")).isEqualTo("2026-01-01");
        assertThat(old.getString("periodEnd")).isEqualTo("2026-01-15");
        assertThat(lines(old)).containsExactly(
                "energy 10.000000 x 0.30 = 3.00",
                "standing 14 x 0.50 = 7.00");
        assertThat(old.getString("subtotal")).isEqualTo("10.00");
        assertThat(old.getString("taxTotal")).isEqualTo("1.90");
        assertThat(old.getString("total")).isEqualTo("11.90");

        // AND after 1 February + grace the new part is issued as it ran; the cycle has two bills, 14 + 17 = 31 days
        clock.set(Instant.parse("2026-02-03T00:00:00Z"));
        assertThat(await(nodeB.closeDue(DEVICE))).isEqualTo(1);
        assertThat(await(nodeA.closeDue(DEVICE))).isZero();
        List<BillView> bills = await(nodeA.issued(DEVICE, 10));
        assertThat(bills).extracting(b -> b.bill().period().toString())
                .containsExactly("2026-01-15 to 2026-02-01", "2026-01-01 to 2026-01-15");
        JsonObject issuedNew = BillJsonMapper.toJson(bills.get(0));
        assertThat(lines(issuedNew)).isEqualTo(lines(current));
        assertThat(issuedNew.getString("total")).isEqualTo("9.28");
        // AND the month's bill answered by period name is the part starting last
        assertThat(BillJsonMapper.toJson(await(nodeA.forPeriod(DEVICE, YearMonth.of(2026, 1)))).getString("periodStart"))
                .isEqualTo("2026-01-15");
    }

    @Test
    void aSupplyChangeInTheFutureIsRefusedAsInvalid() {
        Future<?> future = nodeA.assign(DEVICE, await(tariffs.latest("flat-de")), 1,
                clock.instant().plusSeconds(3600));
        assertThatThrownBy(() -> await(future)).isInstanceOf(AssignmentRejectedException.class)
                .matches(e -> !((AssignmentRejectedException) e).conflict())
                .hasMessageContaining("future");
    }

    @Test
    void aSupplyEndedOnTheDayItBeganLeavesNothingToBillOrClose() {
        // GIVEN a device given the tariff and ended on 5 January (both at 11:00 Berlin: one day, no whole day)
        String device = "meter-short";
        clock.set(Instant.parse("2026-01-05T10:00:00Z"));
        await(nodeA.assign(device, await(tariffs.latest("flat-de")), null, null));
        await(nodeA.endSupply(device, null));

        // THEN it has no running bill, and closing, also much later, issues nothing and does not fail
        assertThatThrownBy(() -> await(nodeA.current(device))).isInstanceOf(BillingNotFoundException.class);
        clock.set(Instant.parse("2026-03-03T00:00:00Z"));
        assertThat(await(nodeA.closeDue(device))).isZero();
        assertThat(await(nodeA.issued(device, 10))).isEmpty();
    }

    /** Each charge line as "kind quantity x unit price = amount". */
    private static List<String> lines(JsonObject bill) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < bill.getJsonArray("lines").size(); i++) {
            JsonObject l = bill.getJsonArray("lines").getJsonObject(i);
            out.add(l.getString("kind") + " " + l.getString("quantity") + " x " + l.getString("unitPrice") + " = "
                    + l.getString("amount"));
        }
        return out;
    }

    private static List<MeterReading> tenJanuaryReadings() {
        List<MeterReading> readings = new ArrayList<>();
        Instant start = Instant.parse("2026-01-10T10:00:00Z");
        for (int i = 0; i < 10; i++) {
            readings.add(new MeterReading(DEVICE, start.plus(Duration.ofMinutes(15L * i)), 1_000_000, i, 900));
        }
        return readings;
    }

    private void storeReadings(List<MeterReading> readings) {
        await(store.store(readings));
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.await(20, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("timed out", e);
        }
    }
}
