package org.smartenergy.platform.billing.bills;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.smartenergy.platform.billing.RedisSettings;
import org.smartenergy.platform.billing.SwitchableRedis;
import org.smartenergy.platform.domain.tariff.Bill;
import org.smartenergy.platform.domain.tariff.BillView;
import org.smartenergy.platform.domain.tariff.WorkedExampleBills;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link BillCache} against the real Redis on 127.0.0.1:6379 behind a switch that makes every command fail, as
 * during an outage in which Redis keeps its data.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class BillCacheTest {

    private Redis client;
    private SwitchableRedis redis;
    private BillCache cache;
    private SimpleMeterRegistry metrics;
    private String device;

    @BeforeEach
    void setUp(Vertx vertx) {
        client = Redis.createClient(vertx, RedisSettings.DEFAULTS.toRedisOptions());
        redis = new SwitchableRedis(client);
        metrics = new SimpleMeterRegistry();
        cache = new BillCache(RedisAPI.api(redis), "sep-test:" + UUID.randomUUID() + ":", 500, metrics);
        device = "meter-" + UUID.randomUUID();
    }

    @AfterEach
    void tearDown(VertxTestContext ctx) {
        RedisAPI.api(client).del(List.of(cache.key(device)))
                .eventually(() -> client.close())
                .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aBillNotWrittenDuringAnOutageHasItsOlderCopyDroppedOnceRedisAnswers(Vertx vertx, VertxTestContext ctx) {
        // GIVEN Redis holds the device's bill of 10 kWh
        cache.put(device, billOf("10"))
                .compose(v -> {
                    // WHEN the write of its 12 kWh bill fails (Redis unreachable, keeping its data)
                    redis.down = true;
                    return cache.put(device, billOf("12"));
                })
                .compose(v -> {
                    // AND Redis answers again (a read of another device)
                    redis.down = false;
                    return cache.get("other-" + device);
                })
                .compose(v -> awaitMiss(vertx, 50))
                .onComplete(ctx.succeeding(bill -> ctx.verify(() -> {
                    // THEN the 10 kWh copy is gone: readers compute the bill from MongoDB instead of reading it
                    assertThat(bill).isNull();
                    ctx.completeNow();
                })));
    }

    @Test
    void aCachedBillIsReadBackAsTheSameView(VertxTestContext ctx) {
        // GIVEN the worked example's issued January (taxes, an adjustment) cached for the device
        BillView january = WorkedExampleBills.issuedJanuary();
        cache.put(device, january)
                // WHEN it is read
                .compose(v -> cache.get(device))
                .onComplete(ctx.succeeding(bill -> ctx.verify(() -> {
                    // THEN it is the same view, and no error was counted
                    assertThat(bill).isEqualTo(january);
                    assertThat(metrics.get(BillCache.ERRORS_METRIC).tag(BillCache.CACHE_TAG, "bill").counter().count())
                            .isZero();
                    ctx.completeNow();
                })));
    }

    @Test
    void anEntryThatIsNotABillIsAMissCountedAsABillCacheError(VertxTestContext ctx) {
        // GIVEN the device's key holds something the cache did not write
        RedisAPI.api(client).set(List.of(cache.key(device), "{\"energyKwh\": \"10\"}"))
                // WHEN it is read
                .compose(v -> cache.get(device))
                .onComplete(ctx.succeeding(bill -> ctx.verify(() -> {
                    // THEN it is a miss (the caller computes the bill), counted under the bill cache
                    assertThat(bill).isNull();
                    assertThat(metrics.get(BillCache.ERRORS_METRIC).tag(BillCache.CACHE_TAG, "bill").counter().count())
                            .isEqualTo(1);
                    ctx.completeNow();
                })));
    }

    @Test
    void aFailedBillWriteIsCountedUnderTheBillCacheTag(VertxTestContext ctx) {
        // GIVEN Redis fails every command
        redis.down = true;
        // WHEN a bill is written and one is read
        cache.put(device, billOf("12"))
                .compose(v -> cache.get(device))
                .onComplete(ctx.succeeding(bill -> ctx.verify(() -> {
                    // THEN the read is a miss, never a failure
                    assertThat(bill).isNull();
                    // AND both failures are counted in energy.cache.errors{cache="bill"}, none under another cache
                    assertThat(metrics.get(BillCache.ERRORS_METRIC).tag(BillCache.CACHE_TAG, "bill").counter().count())
                            .isEqualTo(2);
                    assertThat(metrics.find(BillCache.ERRORS_METRIC).counters()).hasSize(1);
                    ctx.completeNow();
                })));
    }

    /** @return the device's open bill (the worked example's February) with {@code kwh} kWh */
    private BillView billOf(String kwh) {
        Bill b = WorkedExampleBills.openFebruary().bill();
        return new BillView(device, new Bill(b.tariffId(), b.tariffVersion(), b.period(), b.currency(), b.lines(),
                b.subtotal(), b.taxLines(), b.taxTotal(), b.adjustmentLines(), b.adjustmentTotal(), b.total(),
                new java.math.BigDecimal(kwh), b.readingCount()), BillView.Status.OPEN, null, List.of());
    }

    /** Reads the device's entry until it is gone (the eviction runs after the command that succeeded). */
    private Future<BillView> awaitMiss(Vertx vertx, int attempts) {
        return cache.get(device).compose(bill -> bill == null || attempts == 0
                ? Future.succeededFuture(bill)
                : vertx.timer(20, TimeUnit.MILLISECONDS).compose(v -> awaitMiss(vertx, attempts - 1)));
    }
}
