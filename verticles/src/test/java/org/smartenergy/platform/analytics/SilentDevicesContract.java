package org.smartenergy.platform.analytics;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
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
 * {@link SilentDevices} counting from the hour buckets billing's {@link MongoReadingStore} wrote, against a
 * MongoDB wire-protocol server: {@link SilentDevicesTest} on the memory backend, {@link SilentDevicesH2Test} on the
 * H2 backend of {@code standalone}. Now is 2026-11-28T12:00Z throughout.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
abstract class SilentDevicesContract {

    static final String COLLECTION = "usage_hours";
    private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");

    MongoClient mongo;
    private MongoReadingStore store;
    private SilentDevices silentDevices;

    @BeforeEach
    void setUp(Vertx vertx, VertxTestContext ctx) {
        mongo = newDatabase(vertx);
        store = new MongoReadingStore(mongo, COLLECTION);
        silentDevices = new SilentDevices(mongo, COLLECTION);
        store.init().onComplete(ctx.succeedingThenComplete());
    }

    /** @return a client to a fresh database of the server under test */
    abstract MongoClient newDatabase(Vertx vertx);

    @AfterEach
    void tearDown(VertxTestContext ctx) {
        mongo.close().onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aDeviceIsSilentOnceMoreThanNOfItsOwnIntervalsPassedSinceItsLatestReading(VertxTestContext ctx) {
        // GIVEN, at 12:00 on 28 November:
        List<MeterReading> readings = List.of(
                // a 15-minute meter whose latest reading ended 30 min ago (older ones before it)
                new MeterReading("quarter-ok", Instant.parse("2026-11-28T11:15:00Z"), 1_000, 1, 900),
                new MeterReading("quarter-ok", Instant.parse("2026-11-28T11:30:00Z"), 1_000, 2, 900),
                // a 15-minute meter quiet for 2 h
                new MeterReading("quarter-quiet", Instant.parse("2026-11-28T10:00:00Z"), 1_000, 1, 900),
                // a 1-minute meter quiet for 5 min
                new MeterReading("minute-quiet", Instant.parse("2026-11-28T11:55:00Z"), 10, 1, 60),
                // a 15-minute meter whose latest reading is from yesterday evening
                new MeterReading("yesterday", Instant.parse("2026-11-27T20:00:00Z"), 1_000, 1, 900),
                // a meter last heard three days ago: not counted at all
                new MeterReading("gone", Instant.parse("2026-11-25T12:00:00Z"), 1_000, 1, 900));
        store.store(readings)
                // WHEN silence is counted with N = 4 intervals
                .compose(v -> silentDevices.count(NOW, 4))
                .compose(four -> {
                    // THEN of the four devices with readings today or yesterday, three are silent: quarter-quiet
                    // (2 h > 4 x 15 min), minute-quiet (5 min > 4 x 1 min) and yesterday (16 h)
                    ctx.verify(() -> assertThat(four).isEqualTo(new SilentDevices.Counts(4, 3)));
                    // WHEN N = 10: only yesterday's meter stays silent (2 h < 10 x 15 min, 5 min < 10 x 1 min)
                    return silentDevices.count(NOW, 10);
                })
                .onComplete(ctx.succeeding(ten -> ctx.verify(() -> {
                    assertThat(ten).isEqualTo(new SilentDevices.Counts(4, 1));
                    ctx.completeNow();
                })));
    }

    @Test
    void withoutRecentReadingsNothingIsCounted(VertxTestContext ctx) {
        // GIVEN only a reading of last week
        store.store(List.of(new MeterReading("gone", Instant.parse("2026-11-20T12:00:00Z"), 1_000, 1, 900)))
                // WHEN silence is counted
                .compose(v -> silentDevices.count(NOW, 4))
                // THEN no device is counted, neither recent nor silent
                .onComplete(ctx.succeeding(counts -> ctx.verify(() -> {
                    assertThat(counts).isEqualTo(SilentDevices.Counts.NONE);
                    ctx.completeNow();
                })));
    }

    @Test
    void aReadingStoredLateForAnEarlierHourDoesNotHideTheDevicesLatestReading(VertxTestContext ctx) {
        // GIVEN a 15-minute meter whose reading ending 11:45 is stored first and one ending 10:15 (another hour)
        // after it, and a second meter the other way round
        store.store(List.of(new MeterReading("late-old", Instant.parse("2026-11-28T11:45:00Z"), 1_000, 2, 900)))
                .compose(v -> store.store(List.of(
                        new MeterReading("late-old", Instant.parse("2026-11-28T10:15:00Z"), 1_000, 1, 900))))
                .compose(v -> store.store(List.of(
                        new MeterReading("in-order", Instant.parse("2026-11-28T10:15:00Z"), 1_000, 1, 900))))
                .compose(v -> store.store(List.of(
                        new MeterReading("in-order", Instant.parse("2026-11-28T11:45:00Z"), 1_000, 2, 900))))
                // WHEN silence is counted at 12:00 with N = 4 (deadline 11:45 + 1 h)
                .compose(v -> silentDevices.count(NOW, 4))
                // THEN neither is silent: each one's latest reading is the one ending 11:45
                .compose(four -> {
                    ctx.verify(() -> assertThat(four).isEqualTo(new SilentDevices.Counts(2, 0)));
                    // WHEN N = 1 (deadline 12:00, not passed) and then at 12:01 with N = 1
                    return silentDevices.count(NOW, 1);
                })
                .compose(one -> {
                    ctx.verify(() -> assertThat(one).isEqualTo(new SilentDevices.Counts(2, 0)));
                    return silentDevices.count(NOW.plusSeconds(60), 1);
                })
                // THEN both are silent a minute after 11:45 + 15 min
                .onComplete(ctx.succeeding(later -> ctx.verify(() -> {
                    assertThat(later).isEqualTo(new SilentDevices.Counts(2, 2));
                    ctx.completeNow();
                })));
    }

    @Test
    void hourDocumentsWithoutTheirLatestReadingAreNotCounted(VertxTestContext ctx) {
        // GIVEN an hour document of today as a version before "latest" wrote it, and a meter heard 30 min ago
        JsonObject legacy = new JsonObject().put("_id", "legacy|2026-11-28T09").put("deviceId", "legacy")
                .put("day", "2026-11-28").put("hour", 9).put("total", 1_000L).put("count", 1L);
        mongo.insert(COLLECTION, legacy)
                .compose(id -> store.store(List.of(
                        new MeterReading("heard", Instant.parse("2026-11-28T11:30:00Z"), 1_000, 1, 900))))
                // WHEN silence is counted
                .compose(v -> silentDevices.count(NOW, 4))
                // THEN only the meter whose hour document carries its latest reading is counted (and not silent)
                .onComplete(ctx.succeeding(counts -> ctx.verify(() -> {
                    assertThat(counts).isEqualTo(new SilentDevices.Counts(1, 0));
                    ctx.completeNow();
                })));
    }
}
