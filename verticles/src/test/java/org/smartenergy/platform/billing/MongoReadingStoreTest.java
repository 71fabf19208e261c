package org.smartenergy.platform.billing;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.smartenergy.platform.billing.ReadingStore.StoreResult;
import org.smartenergy.platform.billing.UsageTotalsSource.BucketTotals;
import org.smartenergy.platform.billing.UsageTotalsSource.DeviceDay;
import org.smartenergy.platform.domain.MeterReading;
import org.smartenergy.platform.domain.UsageBucket;
import org.smartenergy.platform.domain.UsageStep;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link MongoReadingStore} against an in-memory MongoDB wire-protocol server, through the real driver.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class MongoReadingStoreTest {

    /** 2026-11-27T00:00:00Z */
    private static final Instant DAY = Instant.parse("2026-11-27T00:00:00Z");

    private static final String COLLECTION = "usage_hours";
    private static final String READINGS = "usage_hours_readings";

    private static MongoServer server;
    private static String connectionString;

    private MongoClient mongo;
    private String database;
    private MongoReadingStore store;

    @BeforeAll
    static void startServer() {
        server = new MongoServer(new MemoryBackend());
        InetSocketAddress address = server.bind();
        // the production default write concern, to prove the in-memory server accepts what production sends
        connectionString = "mongodb://127.0.0.1:" + address.getPort() + "/?w=majority&journal=true";
    }

    @AfterAll
    static void stopServer() {
        server.shutdownNow();
    }

    @BeforeEach
    void setUp(Vertx vertx, VertxTestContext ctx) {
        database = "energy-" + UUID.randomUUID();
        MongoSettings settings = new MongoSettings(connectionString, database, 3000, 3000);
        mongo = MongoClient.create(vertx, settings.toClientConfig());
        store = new MongoReadingStore(mongo, COLLECTION);
        store.init().onComplete(ctx.succeedingThenComplete());
    }

    @AfterEach
    void tearDown(VertxTestContext ctx) {
        mongo.close().onComplete(ctx.succeedingThenComplete());
    }

    private static MeterReading reading(String device, Instant end, long mwh, long seq) {
        return new MeterReading(device, end, mwh, seq, 900);
    }

    /** 1,000 readings of 10 devices, 15 minutes apart, spanning several UTC days. */
    private static List<MeterReading> thousandReadings() {
        List<MeterReading> readings = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            readings.add(reading("meter-" + (i % 10), DAY.plusSeconds(900L * (i / 10 + 1)), 1_000L + i, i));
        }
        return readings;
    }

    @Test
    void storingTheSameReadingsTwiceStoresThemOnceAndLeavesTotalsUnchanged(VertxTestContext ctx) {
        // GIVEN 1,000 distinct readings already stored once
        List<MeterReading> readings = thousandReadings();
        long expectedMeter0 = readings.stream().filter(r -> r.deviceId().equals("meter-0"))
                .mapToLong(MeterReading::usageMwh).sum();
        store.store(readings)
                .compose(first -> {
                    ctx.verify(() -> assertThat(first).isEqualTo(new StoreResult(1000, 0)));
                    // WHEN the same batch arrives again (a redelivery)
                    return store.store(readings);
                })
                .compose(second -> {
                    // THEN nothing is stored the second time
                    ctx.verify(() -> assertThat(second).isEqualTo(new StoreResult(0, 1000)));
                    return store.usage("meter-0", DAY, DAY.plusSeconds(30 * 86_400), UsageStep.DAY);
                })
                .onComplete(ctx.succeeding(days -> ctx.verify(() -> {
                    // AND the totals count each reading exactly once
                    assertThat(days.stream().mapToLong(UsageBucket::usageMwh).sum()).isEqualTo(expectedMeter0);
                    assertThat(days.stream().mapToLong(UsageBucket::readings).sum()).isEqualTo(100);
                    ctx.completeNow();
                })));
    }

    @Test
    void readingsRepeatedWithinOneCallAreStoredOnceAndCountedAsDuplicates(VertxTestContext ctx) {
        // GIVEN a batch holding the same reading three times (two payloads) and one other reading
        Instant end = DAY.plusSeconds(3600 * 5 + 900);
        List<MeterReading> batch = List.of(
                reading("meter-a", end, 500, 1),
                reading("meter-a", end, 999, 2),
                reading("meter-b", end, 700, 1),
                reading("meter-a", end, 500, 1));
        // WHEN it is stored
        store.store(batch)
                .compose(result -> {
                    // THEN two readings are stored and two are duplicates
                    ctx.verify(() -> assertThat(result).isEqualTo(new StoreResult(2, 2)));
                    return store.usage("meter-a", DAY, DAY.plusSeconds(86_400), UsageStep.HOUR);
                })
                .onComplete(ctx.succeeding(hours -> ctx.verify(() -> {
                    // AND the largest copy is the one counted (as MongoDB's $max would keep it)
                    assertThat(hours).containsExactly(new UsageBucket(DAY.plusSeconds(3600 * 5), 999, 1));
                    ctx.completeNow();
                })));
    }

    @Test
    void totalsEqualTheSumOfDistinctReadingsPerDayAndHour(VertxTestContext ctx) {
        // GIVEN readings of one device in two hours of one day, stored in overlapping batches
        Instant h9 = DAY.plusSeconds(9 * 3600);
        List<MeterReading> first = List.of(
                reading("meter-t", h9.plusSeconds(900), 100, 1),
                reading("meter-t", h9.plusSeconds(1800), 200, 2));
        List<MeterReading> second = List.of(
                reading("meter-t", h9.plusSeconds(1800), 200, 2),
                reading("meter-t", h9.plusSeconds(3600 + 900), 400, 4));
        // WHEN both batches are stored
        store.store(first)
                .compose(r -> store.store(second))
                .compose(r -> {
                    ctx.verify(() -> assertThat(r).isEqualTo(new StoreResult(1, 1)));
                    return store.totals(Set.of(new DeviceDay("meter-t", "2026-11-27")));
                })
                .onComplete(ctx.succeeding(totals -> ctx.verify(() -> {
                    // THEN the day and each hour hold the sum of the distinct readings, each counted once
                    assertThat(totals).containsExactly(new BucketTotals("meter-t", "2026-11-27", 700, 3,
                            java.util.Map.of(9, 300L, 10, 400L)));
                    ctx.completeNow();
                })));
    }

    @Test
    void usageReportsHourAndDayBucketsStartingWithinTheRange(VertxTestContext ctx) {
        // GIVEN readings on 27 and 28 November in several hours
        List<MeterReading> readings = List.of(
                reading("meter-u", DAY.plusSeconds(8 * 3600 + 900), 10, 1),     // 27th 08:00
                reading("meter-u", DAY.plusSeconds(9 * 3600 + 900), 20, 2),     // 27th 09:00
                reading("meter-u", DAY.plusSeconds(9 * 3600 + 1800), 30, 3),    // 27th 09:00
                reading("meter-u", DAY.plusSeconds(86_400 + 900), 40, 4),       // 28th 00:00
                reading("meter-u", DAY.plusSeconds(2 * 86_400 + 900), 50, 5),   // 29th 00:00
                reading("meter-other", DAY.plusSeconds(9 * 3600 + 900), 999, 1));
        Instant from = DAY.plusSeconds(9 * 3600);
        Instant to = DAY.plusSeconds(2 * 86_400);
        store.store(readings)
                // WHEN hourly usage is asked from 27th 09:00 to 29th 00:00
                .compose(r -> Future.all(store.usage("meter-u", from, to, UsageStep.HOUR),
                        store.usage("meter-u", DAY, to, UsageStep.DAY)))
                .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
                    List<UsageBucket> hours = all.resultAt(0);
                    List<UsageBucket> days = all.resultAt(1);
                    // THEN only hours starting in [from, to) are reported, other devices are not mixed in
                    assertThat(hours).containsExactly(
                            new UsageBucket(DAY.plusSeconds(9 * 3600), 50, 2),
                            new UsageBucket(DAY.plusSeconds(86_400), 40, 1));
                    // AND days starting in [27th, 29th) are reported with their totals
                    assertThat(days).containsExactly(
                            new UsageBucket(DAY, 60, 3),
                            new UsageBucket(DAY.plusSeconds(86_400), 40, 1));
                    ctx.completeNow();
                })));
    }

    @Test
    void readingEndingExactlyOnTheHourCountsInThePreviousHourAndDay(VertxTestContext ctx) {
        // GIVEN a reading whose interval ends at midnight 28 November, i.e. covers 23:45-24:00 on the 27th
        MeterReading midnight = reading("meter-m", DAY.plusSeconds(86_400), 123, 1);
        store.store(List.of(midnight))
                // WHEN usage is asked for both days by hour
                .compose(r -> store.usage("meter-m", DAY, DAY.plusSeconds(2 * 86_400), UsageStep.HOUR))
                .onComplete(ctx.succeeding(hours -> ctx.verify(() -> {
                    // THEN it counts in the 23:00 hour of the 27th, not in 00:00 of the 28th
                    assertThat(hours).containsExactly(new UsageBucket(DAY.plusSeconds(23 * 3600), 123, 1));
                    ctx.completeNow();
                })));
    }

    @Test
    void hourDocumentHoldsTheTotalsAndItsReadingsDocumentTheReadingUnderItsEpochMilli(VertxTestContext ctx) {
        // GIVEN one stored reading ending at 01:00, i.e. counted in the 00:00 hour
        Instant end = DAY.plusSeconds(3600);
        JsonObject id = new JsonObject().put("_id", "meter-d|2026-11-27T00");
        store.store(List.of(new MeterReading("meter-d", end, 42, 7, 900)))
                // WHEN its hour document and its readings document are read directly
                .compose(r -> Future.all(mongo.findOne(COLLECTION, id, null), mongo.findOne(READINGS, id, null)))
                .onComplete(ctx.succeeding(both -> ctx.verify(() -> {
                    // THEN the hour document follows the documented layout: the totals, no readings
                    JsonObject hour = both.resultAt(0);
                    assertThat(hour.getString("deviceId")).isEqualTo("meter-d");
                    assertThat(hour.getString("day")).isEqualTo("2026-11-27");
                    assertThat(hour.getInteger("hour")).isEqualTo(0);
                    assertThat(hour.getJsonObject("hourStart").getString("$date")).startsWith("2026-11-27T00:00:00");
                    assertThat(hour.getJsonObject("quarters").getLong("03")).isEqualTo(42);
                    assertThat(hour.getLong("total")).isEqualTo(42);
                    assertThat(hour.getLong("count")).isEqualTo(1);
                    assertThat(hour.containsKey("readings")).isFalse();
                    // AND the readings document of the same _id holds the reading under its interval end
                    JsonObject readings = both.resultAt(1);
                    assertThat(readings.getString("deviceId")).isEqualTo("meter-d");
                    assertThat(readings.getJsonObject("hourStart").getString("$date")).startsWith("2026-11-27T00:00:00");
                    JsonObject stored = readings.getJsonObject("readings").getJsonObject(Long.toString(end.toEpochMilli()));
                    assertThat(stored.getLong("e")).isEqualTo(42);
                    assertThat(stored.getLong("s")).isEqualTo(7);
                    assertThat(stored.getInteger("i")).isEqualTo(900);
                    assertThat(readings.containsKey("total")).isFalse();
                    ctx.completeNow();
                })));
    }

    @Test
    void concurrentStoresOfOverlappingBatchesCountEachReadingOnce(VertxTestContext ctx) {
        // GIVEN the same 200 readings sent by five concurrent consumers (as after redeliveries to several nodes)
        List<MeterReading> readings = thousandReadings().subList(0, 200);
        List<Future<StoreResult>> calls = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            calls.add(store.store(readings));
        }
        // WHEN all complete
        Future.all(calls)
                .compose(all -> {
                    int stored = calls.stream().mapToInt(f -> f.result().stored()).sum();
                    int duplicates = calls.stream().mapToInt(f -> f.result().duplicates()).sum();
                    // THEN each reading was stored by exactly one of them
                    ctx.verify(() -> {
                        assertThat(stored).isEqualTo(200);
                        assertThat(duplicates).isEqualTo(800);
                    });
                    return store.usage("meter-3", DAY, DAY.plusSeconds(86_400 * 3), UsageStep.DAY);
                })
                .onComplete(ctx.succeeding(days -> ctx.verify(() -> {
                    assertThat(days.stream().mapToLong(UsageBucket::readings).sum()).isEqualTo(20);
                    ctx.completeNow();
                })));
    }

    @Test
    void differingCopiesOfAReadingEndAsTheLargestWhateverTheOrderTheyArriveIn(VertxTestContext ctx) {
        // GIVEN two copies of one reading (a logger resending a corrected value), in separate batches
        Instant end = DAY.plusSeconds(7200);
        MeterReading small = reading("meter-x", end, 300, 1);
        MeterReading large = reading("meter-x", end, 800, 2);
        MeterReading smallY = reading("meter-y", end, 300, 1);
        MeterReading largeY = reading("meter-y", end, 800, 2);
        // WHEN meter-x gets them small-then-large and meter-y large-then-small
        store.store(List.of(small))
                .compose(r -> store.store(List.of(large)))
                .compose(r -> store.store(List.of(largeY)))
                .compose(r -> store.store(List.of(smallY)))
                .compose(r -> Future.all(store.usage("meter-x", DAY, DAY.plusSeconds(86_400), UsageStep.HOUR),
                        store.usage("meter-y", DAY, DAY.plusSeconds(86_400), UsageStep.HOUR),
                        store.readings("meter-x", DAY, DAY.plusSeconds(86_400))))
                .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
                    // THEN both devices hold the same single reading, with the larger value, and totals match it
                    UsageBucket expected = new UsageBucket(DAY.plusSeconds(3600), 800, 1);
                    assertThat(all.<List<UsageBucket>>resultAt(0)).containsExactly(expected);
                    assertThat(all.<List<UsageBucket>>resultAt(1)).containsExactly(expected);
                    assertThat(all.<List<MeterReading>>resultAt(2)).containsExactly(large);
                    ctx.completeNow();
                })));
    }

    @Test
    void aWriterNewToAnHourAnotherWriterCreatedMergesOnlyWhatItLacksAndRaisesSmallerCopies(VertxTestContext ctx) {
        // GIVEN one writer created an hour with four readings
        Instant hour = DAY.plusSeconds(5 * 3600);
        List<MeterReading> first = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            first.add(reading("meter-n", hour.plusSeconds(600L * i), 100L * i, i));
        }
        // AND a second writer (another billing node: it has not seen the hour) gets a larger copy of the third, the
        // fourth again, and two new ones
        MongoReadingStore other = new MongoReadingStore(mongo, COLLECTION);
        MeterReading raised = reading("meter-n", hour.plusSeconds(1800), 950, 30);
        List<MeterReading> second = List.of(raised, first.get(3),
                reading("meter-n", hour.plusSeconds(3000), 500, 5), reading("meter-n", hour.plusSeconds(3600), 600, 6));
        store.store(first)
                // WHEN the second writer stores its readings
                .compose(r -> other.store(second))
                .compose(result -> {
                    // THEN it stored the two new ones; the raised copy and the repeat count as duplicates
                    ctx.verify(() -> assertThat(result).isEqualTo(new StoreResult(2, 2)));
                    return Future.all(store.readings("meter-n", DAY, DAY.plusSeconds(86_400)),
                            store.usage("meter-n", DAY, DAY.plusSeconds(86_400), UsageStep.HOUR));
                })
                .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
                    // AND the hour holds every reading once, the third as its larger copy, and totals match them
                    assertThat(all.<List<MeterReading>>resultAt(0)).containsExactlyInAnyOrder(first.get(0),
                            first.get(1), raised, first.get(3), second.get(2), second.get(3));
                    assertThat(all.<List<UsageBucket>>resultAt(1))
                            .containsExactly(new UsageBucket(hour, 100 + 200 + 950 + 400 + 500 + 600, 6));
                    ctx.completeNow();
                })));
    }

    @Test
    void anHourWhoseDocumentsWereRemovedAfterTheWriterSawThemIsWrittenAgain(VertxTestContext ctx) {
        // GIVEN a writer stored an hour (and so knows it exists), and then its documents were removed
        Instant hour = DAY.plusSeconds(9 * 3600);
        List<MeterReading> before = new ArrayList<>();
        List<MeterReading> after = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            before.add(reading("meter-r", hour.plusSeconds(600L * i), 10L * i, i));
            after.add(reading("meter-r", hour.plusSeconds(600L * (i + 3)), 1_000L * i, i + 3));
        }
        JsonObject ofHour = new JsonObject().put("_id", "meter-r|2026-11-27T09");
        store.store(before)
                .compose(r -> mongo.removeDocuments(READINGS, ofHour))
                .compose(r -> mongo.removeDocuments(COLLECTION, ofHour))
                // WHEN the same writer stores more readings of that hour
                .compose(r -> store.store(after))
                .compose(result -> {
                    // THEN they are stored as new
                    ctx.verify(() -> assertThat(result).isEqualTo(new StoreResult(3, 0)));
                    return Future.all(store.readings("meter-r", DAY, DAY.plusSeconds(86_400)),
                            store.usage("meter-r", DAY, DAY.plusSeconds(86_400), UsageStep.HOUR));
                })
                .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
                    // AND the hour holds them, with totals equal to them
                    assertThat(all.<List<MeterReading>>resultAt(0)).containsExactlyInAnyOrderElementsOf(after);
                    assertThat(all.<List<UsageBucket>>resultAt(1)).containsExactly(new UsageBucket(hour, 6_000, 3));
                    ctx.completeNow();
                })));
    }

    @Test
    void redeliveryAfterACrashBetweenStoringReadingsAndTotalsRepairsTheTotals(VertxTestContext ctx) {
        // GIVEN a writer that merged a batch's readings into its bucket and died before writing the totals
        List<MeterReading> batch = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            batch.add(reading("meter-c", DAY.plusSeconds(900L * i), 100L * i, i));
        }
        JsonObject max = new JsonObject();
        batch.forEach(r -> max.put("readings." + r.timestamp().toEpochMilli(),
                new JsonObject().put("e", r.usageMwh()).put("s", r.seq()).put("i", (long) r.intervalSeconds())));
        JsonObject halfWritten = new JsonObject().put("$max", max).put("$setOnInsert", new JsonObject()
                .put("deviceId", "meter-c")
                .put("hourStart", new JsonObject().put("$date", "2026-11-27T00:00:00Z")));
        mongo.updateCollectionWithOptions(READINGS, new JsonObject().put("_id", "meter-c|2026-11-27T00"),
                        halfWritten, new io.vertx.ext.mongo.UpdateOptions().setUpsert(true))
                // WHEN the broker redelivers the batch
                .compose(r -> store.store(batch))
                .compose(result -> {
                    // THEN nothing is stored twice
                    ctx.verify(() -> assertThat(result).isEqualTo(new StoreResult(0, 4)));
                    return store.usage("meter-c", DAY, DAY.plusSeconds(86_400), UsageStep.HOUR);
                })
                .onComplete(ctx.succeeding(hours -> ctx.verify(() -> {
                    // AND the totals now equal the readings: 100 + 200 + 300 + 400 (the one ending at 01:00 counts in hour 00)
                    assertThat(hours).containsExactly(new UsageBucket(DAY, 1000, 4));
                    ctx.completeNow();
                })));
    }

    @Test
    @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
    void twoBillingNodesStoringOverlappingShuffledBatchesKeepTotalsExact(Vertx vertx, VertxTestContext ctx) {
        // GIVEN a second node: its own client and store on the same database
        MongoClient otherMongo = MongoClient.create(vertx, new MongoSettings(connectionString,
                database, 3000, 3000).toClientConfig());
        MongoReadingStore other = new MongoReadingStore(otherMongo, COLLECTION);
        // AND 3 devices x 600 one-minute readings (10 hours), sent out of order, each reading in two batches
        List<MeterReading> distinct = new ArrayList<>();
        for (int i = 0; i < 1800; i++) {
            distinct.add(new MeterReading("meter-t" + (i % 3), DAY.plusSeconds(60L * (i / 3 + 1)), 10L + i, i, 60));
        }
        java.util.Random random = new java.util.Random(42);
        List<MeterReading> sent = new ArrayList<>(distinct);
        sent.addAll(distinct);
        java.util.Collections.shuffle(sent, random);
        List<Future<StoreResult>> calls = new ArrayList<>();
        for (int from = 0; from < sent.size(); from += 90) {
            List<MeterReading> batch = sent.subList(from, Math.min(sent.size(), from + 90));
            // WHEN the batches are stored concurrently, alternating between the nodes
            calls.add(((from / 90) % 2 == 0 ? store : other).store(batch));
        }
        Future.all(calls)
                .compose(all -> {
                    // THEN every reading was stored exactly once across both nodes
                    ctx.verify(() -> {
                        assertThat(calls.stream().mapToInt(f -> f.result().stored()).sum()).isEqualTo(1800);
                        assertThat(calls.stream().mapToInt(f -> f.result().duplicates()).sum()).isEqualTo(1800);
                    });
                    return Future.all(List.of(
                            store.usage("meter-t0", DAY, DAY.plusSeconds(86_400), UsageStep.HOUR),
                            store.usage("meter-t1", DAY, DAY.plusSeconds(86_400), UsageStep.DAY),
                            store.totals(Set.of(new DeviceDay("meter-t2", "2026-11-27")))));
                })
                .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
                    // AND the totals equal the sums of the distinct readings, per hour and per day
                    List<UsageBucket> hoursT0 = all.resultAt(0);
                    assertThat(hoursT0).hasSize(10);
                    for (int h = 0; h < 10; h++) {
                        int hour = h;
                        long expected = distinct.stream().filter(r -> r.deviceId().equals("meter-t0")
                                        && (r.timestamp().toEpochMilli() - 1) / 3_600_000L
                                        == DAY.toEpochMilli() / 3_600_000L + hour)
                                .mapToLong(MeterReading::usageMwh).sum();
                        assertThat(hoursT0.get(h).usageMwh()).as("hour %d", h).isEqualTo(expected);
                        assertThat(hoursT0.get(h).readings()).isEqualTo(60);
                    }
                    List<UsageBucket> dayT1 = all.resultAt(1);
                    assertThat(dayT1).containsExactly(new UsageBucket(DAY, sum(distinct, "meter-t1"), 600));
                    List<BucketTotals> totalsT2 = all.resultAt(2);
                    assertThat(totalsT2).hasSize(1);
                    assertThat(totalsT2.get(0).totalMwh()).isEqualTo(sum(distinct, "meter-t2"));
                    assertThat(totalsT2.get(0).count()).isEqualTo(600);
                    assertThat(totalsT2.get(0).hoursMwh()).hasSize(10);
                    otherMongo.close();
                    ctx.completeNow();
                })));
    }

    @Test
    @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
    void twoBillingNodesStoringAFleetOfSparseBucketsCountEachReadingOnceAndKeepTotalsExact(Vertx vertx,
                                                                                         VertxTestContext ctx) {
        // GIVEN a second node on the same database
        MongoClient otherMongo = MongoClient.create(vertx, new MongoSettings(connectionString,
                database, 3000, 3000).toClientConfig());
        MongoReadingStore other = new MongoReadingStore(otherMongo, COLLECTION);
        // AND a fleet: 400 devices x 2 readings in one hour, so a batch holds one or two readings per bucket (the
        // bulk path), every reading sent twice, shuffled
        List<MeterReading> distinct = new ArrayList<>();
        for (int d = 0; d < 400; d++) {
            for (int i = 1; i <= 2; i++) {
                distinct.add(new MeterReading("fleet-" + d, DAY.plusSeconds(900L * i), 100L * d + i, i, 900));
            }
        }
        List<MeterReading> sent = new ArrayList<>(distinct);
        sent.addAll(distinct);
        java.util.Collections.shuffle(sent, new java.util.Random(7));
        List<Future<StoreResult>> calls = new ArrayList<>();
        for (int from = 0; from < sent.size(); from += 100) {
            // WHEN batches of 100 are stored concurrently, alternating between the nodes
            calls.add(((from / 100) % 2 == 0 ? store : other).store(sent.subList(from, from + 100)));
        }
        Future.all(calls)
                .compose(all -> {
                    // THEN each reading was counted as stored exactly once across both nodes
                    ctx.verify(() -> {
                        assertThat(calls.stream().mapToInt(f -> f.result().stored()).sum()).isEqualTo(800);
                        assertThat(calls.stream().mapToInt(f -> f.result().duplicates()).sum()).isEqualTo(800);
                    });
                    List<Future<List<UsageBucket>>> usages = new ArrayList<>();
                    for (int d = 0; d < 400; d += 37) {
                        usages.add(store.usage("fleet-" + d, DAY, DAY.plusSeconds(86_400), UsageStep.HOUR));
                    }
                    return Future.all(usages).map(v -> usages);
                })
                .onComplete(ctx.succeeding(usages -> ctx.verify(() -> {
                    // AND each device's hour holds its two readings with their exact sum
                    for (int k = 0; k < usages.size(); k++) {
                        long d = 37L * k;
                        assertThat(usages.get(k).result()).as("fleet-%d", d)
                                .containsExactly(new UsageBucket(DAY, 200 * d + 3, 2));
                    }
                    otherMongo.close();
                    ctx.completeNow();
                })));
    }

    @Test
    void redeliveryAfterACrashBetweenALaterBatchsReadingsAndTotalsRaisesTheOlderTotalsToTheReadings(
            VertxTestContext ctx) {
        // GIVEN an hour whose first two readings are stored with their totals
        List<MeterReading> first = List.of(reading("meter-l", DAY.plusSeconds(600), 10, 1),
                reading("meter-l", DAY.plusSeconds(1200), 20, 2));
        // AND a writer that merged a second batch's three readings into the hour's readings document and died before
        // writing the totals (the hour document still holds those of the first batch)
        List<MeterReading> second = List.of(reading("meter-l", DAY.plusSeconds(1800), 30, 3),
                reading("meter-l", DAY.plusSeconds(2400), 40, 4), reading("meter-l", DAY.plusSeconds(3000), 50, 5));
        JsonObject max = new JsonObject();
        second.forEach(r -> max.put("readings." + r.timestamp().toEpochMilli(),
                new JsonObject().put("e", r.usageMwh()).put("s", r.seq()).put("i", (long) r.intervalSeconds())));
        store.store(first)
                .compose(r -> mongo.updateCollection(READINGS, new JsonObject().put("_id", "meter-l|2026-11-27T00"),
                        new JsonObject().put("$max", max)))
                .compose(r -> store.usage("meter-l", DAY, DAY.plusSeconds(86_400), UsageStep.HOUR))
                .compose(stale -> {
                    ctx.verify(() -> assertThat(stale).containsExactly(new UsageBucket(DAY, 30, 2)));
                    // WHEN the broker redelivers the second batch
                    return store.store(second);
                })
                .compose(result -> {
                    // THEN its readings are duplicates
                    ctx.verify(() -> assertThat(result).isEqualTo(new StoreResult(0, 3)));
                    return store.usage("meter-l", DAY, DAY.plusSeconds(86_400), UsageStep.HOUR);
                })
                .onComplete(ctx.succeeding(hours -> ctx.verify(() -> {
                    // AND the hour's totals now equal all five readings: 10 + 20 + 30 + 40 + 50
                    assertThat(hours).containsExactly(new UsageBucket(DAY, 150, 5));
                    ctx.completeNow();
                })));
    }

    @Test
    void redeliveryToTheBulkPathAfterACrashBeforeTheTotalsRepairsThem(VertxTestContext ctx) {
        // GIVEN a writer that merged one reading into its bucket and died before writing the totals
        MeterReading r = reading("meter-s", DAY.plusSeconds(900), 321, 1);
        JsonObject halfWritten = new JsonObject()
                .put("$max", new JsonObject().put("readings." + r.timestamp().toEpochMilli(),
                        new JsonObject().put("e", 321L).put("s", 1L).put("i", 900L)))
                .put("$setOnInsert", new JsonObject().put("deviceId", "meter-s")
                        .put("hourStart", new JsonObject().put("$date", "2026-11-27T00:00:00Z")));
        mongo.updateCollectionWithOptions(READINGS, new JsonObject().put("_id", "meter-s|2026-11-27T00"),
                        halfWritten, new io.vertx.ext.mongo.UpdateOptions().setUpsert(true))
                // WHEN the one-reading batch is redelivered
                .compose(v -> store.store(List.of(r)))
                .compose(result -> {
                    // THEN it is a duplicate
                    ctx.verify(() -> assertThat(result).isEqualTo(new StoreResult(0, 1)));
                    return store.usage("meter-s", DAY, DAY.plusSeconds(86_400), UsageStep.HOUR);
                })
                .onComplete(ctx.succeeding(hours -> ctx.verify(() -> {
                    // AND the bucket's totals now count it
                    assertThat(hours).containsExactly(new UsageBucket(DAY, 321, 1));
                    ctx.completeNow();
                })));
    }

    @Test
    void usageOverASpanLongerThanTheIdLookupLimitIsReadByRange(VertxTestContext ctx) {
        // GIVEN readings 100 days apart
        MeterReading early = reading("meter-r", DAY.plusSeconds(900), 11, 1);
        MeterReading late = reading("meter-r", DAY.plusSeconds(100L * 86_400 + 900), 22, 2);
        store.store(List.of(early, late))
                // WHEN usage is asked for 120 days (more hours than MAX_HOURS_BY_ID)
                .compose(r -> store.usage("meter-r", DAY, DAY.plusSeconds(120L * 86_400), UsageStep.DAY))
                .onComplete(ctx.succeeding(days -> ctx.verify(() -> {
                    // THEN both days are found
                    assertThat(120 * 24).isGreaterThan(MongoReadingStore.MAX_HOURS_BY_ID);
                    assertThat(days).containsExactly(new UsageBucket(DAY, 11, 1),
                            new UsageBucket(DAY.plusSeconds(100L * 86_400), 22, 1));
                    ctx.completeNow();
                })));
    }

    private static long sum(List<MeterReading> readings, String deviceId) {
        return readings.stream().filter(r -> r.deviceId().equals(deviceId)).mapToLong(MeterReading::usageMwh).sum();
    }
}
