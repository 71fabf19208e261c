package org.smartenergy.platform.billing;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.smartenergy.platform.billing.UsageTotalsSource.BucketTotals;
import org.smartenergy.platform.domain.MeterReading;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link UsageCache} against the real Redis on 127.0.0.1:6379, with its own key prefix; the stored totals come from
 * a stub so each test decides what "the truth" is.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class UsageCacheTest {

    private static final Instant T = Instant.parse("2026-11-27T10:15:00Z");

    private final AtomicReference<List<BucketTotals>> truth = new AtomicReference<>(List.of());
    private final UsageTotalsSource stub = days -> Future.succeededFuture(truth.get());
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private Redis client;
    private RedisAPI redis;
    private UsageCache cache;
    private String device;

    @BeforeEach
    void setUp(Vertx vertx) {
        client = Redis.createClient(vertx, RedisSettings.DEFAULTS.toRedisOptions());
        redis = RedisAPI.api(client);
        cache = new UsageCache(redis, stub, "sep-test:" + UUID.randomUUID() + ":", 500, metrics);
        device = "meter-" + UUID.randomUUID();
    }

    @AfterEach
    void tearDown(VertxTestContext ctx) {
        redis.del(List.of(cache.latestKey(device), cache.dayKey(device), cache.hourKey(device)))
                .eventually(() -> client.close())
                .onComplete(ctx.succeedingThenComplete());
    }

    private MeterReading reading(Instant end, long mwh, long seq) {
        return new MeterReading(device, end, mwh, seq, 900);
    }

    private Future<String> hget(String key, String field) {
        return redis.hget(key, field).map(r -> r == null ? null : r.toString());
    }

    @Test
    void latestReadingIsReplacedOnlyByANewerOne(VertxTestContext ctx) {
        // GIVEN the cache holds a reading ending at 10:15
        cache.update(List.of(reading(T, 1_500_000, 7)))
                // WHEN an older reading arrives afterwards (a late redelivery)
                .compose(v -> cache.update(List.of(reading(T.minusSeconds(900), 9, 6))))
                .compose(v -> Future.all(hget(cache.latestKey(device), "ts"), hget(cache.latestKey(device), "kwh"),
                        hget(cache.latestKey(device), "seq"), hget(cache.latestKey(device), "interval")))
                .compose(all -> {
                    // THEN the newer reading stays
                    ctx.verify(() -> {
                        assertThat((String) all.resultAt(0)).isEqualTo(Long.toString(T.toEpochMilli()));
                        assertThat((String) all.resultAt(1)).isEqualTo("1.500000");
                        assertThat((String) all.resultAt(2)).isEqualTo("7");
                        assertThat((String) all.resultAt(3)).isEqualTo("900");
                    });
                    // AND WHEN a newer reading arrives, it replaces it
                    return cache.update(List.of(reading(T.plusSeconds(900), 2, 8)));
                })
                .compose(v -> hget(cache.latestKey(device), "ts"))
                .onComplete(ctx.succeeding(ts -> ctx.verify(() -> {
                    assertThat(ts).isEqualTo(Long.toString(T.plusSeconds(900).toEpochMilli()));
                    assertThat(metrics.counter(UsageCache.ERRORS_METRIC).count()).isZero();
                    ctx.completeNow();
                })));
    }

    @Test
    void totalsAreCopiedFromTheStoreAndNeverMoveBackwards(VertxTestContext ctx) {
        // GIVEN the store holds 0.5 kWh for the day, 0.5 kWh in its 10:00 hour
        truth.set(List.of(new BucketTotals(device, "2026-11-27", 500_000, 2, Map.of(10, 500_000L))));
        cache.update(List.of(reading(T, 250_000, 1)))
                .compose(v -> Future.all(hget(cache.dayKey(device), "2026-11-27"),
                        hget(cache.hourKey(device), "2026-11-27T10")))
                .compose(all -> {
                    // THEN the cache shows the stored totals, not the batch's own sum
                    ctx.verify(() -> {
                        assertThat((String) all.resultAt(0)).isEqualTo("0.500000");
                        assertThat((String) all.resultAt(1)).isEqualTo("0.500000");
                    });
                    // WHEN a slower update writes a truth read earlier (lower)
                    truth.set(List.of(new BucketTotals(device, "2026-11-27", 300_000, 1, Map.of(10, 300_000L))));
                    return cache.update(List.of(reading(T, 250_000, 1)));
                })
                .compose(v -> hget(cache.dayKey(device), "2026-11-27"))
                .compose(day -> {
                    // THEN the cache keeps the higher value
                    ctx.verify(() -> assertThat(day).isEqualTo("0.500000"));
                    truth.set(List.of(new BucketTotals(device, "2026-11-27", 12_345_678, 3, Map.of(10, 12_345_678L))));
                    return cache.update(List.of(reading(T, 250_000, 1)));
                })
                .compose(v -> hget(cache.dayKey(device), "2026-11-27"))
                .onComplete(ctx.succeeding(day -> ctx.verify(() -> {
                    // AND a higher truth replaces it, exactly
                    assertThat(day).isEqualTo("12.345678");
                    ctx.completeNow();
                })));
    }

    @Test
    void unresponsiveRedisCostsAtMostTheCommandTimeoutAndIsCounted(Vertx vertx, VertxTestContext ctx) {
        // GIVEN a "Redis" that accepts connections and never answers
        NetServer silent = vertx.createNetServer().connectHandler(socket -> { });
        silent.listen(0, "127.0.0.1")
                .compose(server -> {
                    Redis hanging = Redis.createClient(vertx, RedisSettings.DEFAULTS
                            .withConnectionString("redis://127.0.0.1:" + server.actualPort()).toRedisOptions());
                    UsageCache stalled = new UsageCache(RedisAPI.api(hanging), stub, "sep-test:", 300, metrics);
                    long started = System.nanoTime();
                    // WHEN the cache is updated
                    return stalled.update(List.of(reading(T, 1, 1)))
                            .map(v -> TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))
                            .eventually(hanging::close);
                })
                .eventually(silent::close)
                .onComplete(ctx.succeeding(elapsedMs -> ctx.verify(() -> {
                    // THEN the update completes (successfully: the cache never fails a batch) soon after the timeout
                    assertThat(elapsedMs).isLessThan(3_000);
                    // AND the failures are counted
                    assertThat(metrics.counter(UsageCache.ERRORS_METRIC).count()).isGreaterThan(0);
                    ctx.completeNow();
                })));
    }
}
