package org.smartenergy.platform.analytics;

import io.vertx.core.Vertx;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.smartenergy.platform.billing.MongoReadingStore;
import org.smartenergy.platform.domain.MeterReading;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link UsageAnalytics} reading the hour buckets billing's {@link MongoReadingStore} wrote, against a MongoDB
 * wire-protocol server: the two sides agree on the bucket fields ({@code UsageBucketSchema}).
 * {@link UsageAnalyticsTest} runs it on the memory backend, {@link UsageAnalyticsH2Test} on the H2 backend of
 * {@code standalone} (it evaluates some stages differently).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
abstract class UsageAnalyticsContract {

    private static final String COLLECTION = "usage_hours";

    private MongoClient mongo;
    private MongoReadingStore store;
    private UsageAnalytics analytics;

    @BeforeEach
    void setUp(Vertx vertx, VertxTestContext ctx) {
        mongo = newDatabase(vertx);
        store = new MongoReadingStore(mongo, COLLECTION);
        analytics = new UsageAnalytics(mongo, COLLECTION);
        store.init().compose(v -> analytics.init()).onComplete(ctx.succeedingThenComplete());
    }

    @AfterEach
    void tearDown(VertxTestContext ctx) {
        mongo.close().onComplete(ctx.succeedingThenComplete());
    }

    /** @return a client to a fresh database of the backend under test */
    abstract MongoClient newDatabase(Vertx vertx);

    @Test
    void aDayWithoutBucketsSummarizesToNothing(VertxTestContext ctx) {
        // GIVEN a reading on 2026-11-28 only
        store.store(List.of(new MeterReading("meter-a", Instant.parse("2026-11-28T01:00:00Z"), 1_000, 1, 900)))
                // WHEN analytics summarize 2026-11-27
                .compose(stored -> analytics.summarize("2026-11-27", 10))
                .onComplete(ctx.succeeding(summary -> ctx.verify(() -> {
                    // THEN the day has no energy, no active device, empty hours and quarters and no consumers
                    assertThat(summary.day()).isEqualTo("2026-11-27");
                    assertThat(summary.energyMwh()).isZero();
                    assertThat(summary.activeDevices()).isZero();
                    assertThat(summary.hourMwh()).containsOnly(0L);
                    assertThat(summary.quarterMwh()).containsOnly(0L);
                    assertThat(summary.topConsumers()).isEmpty();
                    ctx.completeNow();
                })));
    }

    @Test
    void summarizesTheDayFromTheBucketsTheStoreWrote(VertxTestContext ctx) {
        // GIVEN readings of two devices on 2026-11-27 (the one ending at 10:00 counts in the 09:00 hour, quarter 39)
        // and one of a third device on the next day
        List<MeterReading> readings = List.of(
                new MeterReading("meter-a", Instant.parse("2026-11-27T09:15:00Z"), 1_000, 1, 900),
                new MeterReading("meter-a", Instant.parse("2026-11-27T09:30:00Z"), 2_000, 2, 900),
                new MeterReading("meter-b", Instant.parse("2026-11-27T10:00:00Z"), 500, 1, 900),
                new MeterReading("meter-c", Instant.parse("2026-11-28T00:15:00Z"), 7_000, 1, 900));
        // WHEN billing stores them and analytics summarizes the first day
        store.store(readings)
                .compose(stored -> analytics.summarize("2026-11-27", 10))
                .onComplete(ctx.succeeding(summary -> ctx.verify(() -> {
                    // THEN the day's energy, active devices, hours and quarters are the stored readings' sums
                    assertThat(summary.energyMwh()).isEqualTo(3_500);
                    assertThat(summary.activeDevices()).isEqualTo(2);
                    assertThat(summary.hourMwh()[9]).isEqualTo(3_500);
                    assertThat(summary.hourMwh()[10]).isZero();
                    assertThat(summary.quarterMwh()[36]).isEqualTo(1_000);
                    assertThat(summary.quarterMwh()[37]).isEqualTo(2_000);
                    assertThat(summary.quarterMwh()[39]).isEqualTo(500);
                    assertThat(summary.quarterMwh()[0]).isZero();
                    // AND the top consumers are the day's devices, largest first, the next day's device not among them
                    assertThat(summary.topConsumers()).containsExactly(
                            new DaySummary.Consumer("meter-a", 3_000), new DaySummary.Consumer("meter-b", 500));
                    ctx.completeNow();
                })));
    }

    @Test
    void devicesWithoutEnergyAreNeitherActiveNorConsumersAndTopNLimitsOnlyTheList(VertxTestContext ctx) {
        // GIVEN on 2026-11-27 three devices using energy in two hours, one of them twice, and one reporting 0 kWh
        List<MeterReading> readings = List.of(
                new MeterReading("meter-a", Instant.parse("2026-11-27T00:15:00Z"), 4_000, 1, 900),
                new MeterReading("meter-a", Instant.parse("2026-11-27T23:00:00Z"), 1_000, 2, 900),
                new MeterReading("meter-b", Instant.parse("2026-11-27T23:45:00Z"), 3_000, 1, 900),
                new MeterReading("meter-c", Instant.parse("2026-11-27T12:00:00Z"), 2_000, 1, 900),
                new MeterReading("meter-zero", Instant.parse("2026-11-27T12:00:00Z"), 0, 1, 900));
        // WHEN analytics summarize the day keeping the top 2
        store.store(readings)
                .compose(stored -> analytics.summarize("2026-11-27", 2))
                .onComplete(ctx.succeeding(summary -> ctx.verify(() -> {
                    // THEN the first and the last quarter of the day and their hours hold their readings
                    assertThat(summary.quarterMwh()[0]).isEqualTo(4_000);
                    assertThat(summary.quarterMwh()[91]).isEqualTo(1_000);
                    assertThat(summary.quarterMwh()[94]).isEqualTo(3_000);
                    assertThat(summary.quarterMwh()[47]).isEqualTo(2_000);
                    assertThat(summary.hourMwh()[0]).isEqualTo(4_000);
                    assertThat(summary.hourMwh()[11]).isEqualTo(2_000);
                    assertThat(summary.hourMwh()[22]).isEqualTo(1_000);
                    assertThat(summary.hourMwh()[23]).isEqualTo(3_000);
                    assertThat(summary.energyMwh()).isEqualTo(10_000);
                    // AND three devices are active (not the one at 0), of which the top 2 are listed
                    assertThat(summary.activeDevices()).isEqualTo(3);
                    assertThat(summary.topConsumers()).containsExactly(
                            new DaySummary.Consumer("meter-a", 5_000), new DaySummary.Consumer("meter-b", 3_000));
                    ctx.completeNow();
                })));
    }
}
