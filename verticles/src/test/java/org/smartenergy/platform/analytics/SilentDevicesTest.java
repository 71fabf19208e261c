package org.smartenergy.platform.analytics;

import io.vertx.core.Vertx;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.smartenergy.platform.billing.MongoReadingStore;
import org.smartenergy.platform.domain.MeterReading;
import org.smartenergy.platform.storage.StandInMongo;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SilentDevices} counting from the hour buckets billing's {@link MongoReadingStore} wrote, against an
 * in-memory MongoDB wire-protocol server. Now is 2026-11-28T12:00Z throughout.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class SilentDevicesTest {

    private static final String COLLECTION = "usage_hours";
    private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");

    @RegisterExtension
    static final StandInMongo MONGO = new StandInMongo();

    private MongoClient mongo;
    private MongoReadingStore store;
    private SilentDevices silentDevices;

    @BeforeEach
    void setUp(Vertx vertx, VertxTestContext ctx) {
        mongo = MONGO.newDatabase(vertx);
        store = new MongoReadingStore(mongo, COLLECTION);
        silentDevices = new SilentDevices(mongo, COLLECTION);
        store.init().onComplete(ctx.succeedingThenComplete());
    }

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
}
