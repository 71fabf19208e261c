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
                    assertThat(metrics.get(UsageCache.ERRORS_METRIC).tag(UsageCache.CACHE_TAG, "usage").counter().count()).isZero();
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
                    assertThat(metrics.get(UsageCache.ERRORS_METRIC).tag(UsageCache.CACHE_TAG, "usage").counter().count()).isGreaterThan(0);
                    ctx.completeNow();
                })));
    }

    @Test
    void totalsOfAFailedUpdateAreCopiedAgainOnceRedisAnswers(Vertx vertx, VertxTestContext ctx) {
        // GIVEN a cache whose Redis fails every command, and a store holding 0.75 kWh for the day
        SwitchableRedis switchable = new SwitchableRedis(client);
        UsageCache outage = new UsageCache(RedisAPI.api(switchable), stub, prefix(), 2_000, metrics);
        truth.set(List.of(new BucketTotals(device, "2026-11-27", 750_000, 3, Map.of(10, 750_000L))));
        // the client's connection is opened first, so its set-up does not count against a command's timeout
        redis.ping(List.of())
                .compose(pong -> {
                    switchable.down = true;
                    return outage.update(List.of(reading(T, 250_000, 1)));
                })
                .compose(v -> {
                    // THEN the day waits for a repair, which does nothing while Redis does not answer
                    ctx.verify(() -> assertThat(outage.repairPending()).isTrue());
                    return outage.repair();
                })
                .compose(copied -> {
                    ctx.verify(() -> {
                        assertThat(copied).isZero();
                        assertThat(outage.repairPending()).isTrue();
                    });
                    // WHEN Redis answers again
                    switchable.down = false;
                    return outage.repair();
                })
                .compose(copied -> {
                    ctx.verify(() -> assertThat(copied).isEqualTo(1));
                    return Future.all(hget(cache.dayKey(device), "2026-11-27"),
                            hget(cache.hourKey(device), "2026-11-27T10"));
                })
                .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
                    // THEN the stored totals are in Redis, the repair is counted and nothing waits any more
                    assertThat((String) all.resultAt(0)).isEqualTo("0.750000");
                    assertThat((String) all.resultAt(1)).isEqualTo("0.750000");
                    assertThat(metrics.counter(UsageCache.REPAIRS_METRIC).count()).isEqualTo(1.0);
                    assertThat(outage.repairPending()).isFalse();
                    ctx.completeNow();
                })));
    }

    @Test
    void deviceDaysBeyondTheRepairBoundAreRepairedThroughTheirDay(Vertx vertx, VertxTestContext ctx) {
        // GIVEN a repair bound of one device day and two devices whose update of the same day fails
        String other = "meter-" + UUID.randomUUID();
        Map<String, Long> stored = Map.of(device, 400_000L, other, 600_000L);
        UsageTotalsSource store = new UsageTotalsSource() {
            @Override
            public Future<List<BucketTotals>> totals(java.util.Set<DeviceDay> days) {
                return Future.succeededFuture(days.stream().map(d -> new BucketTotals(d.deviceId(), d.day(),
                        stored.get(d.deviceId()), 1, Map.of(10, stored.get(d.deviceId())))).toList());
            }

            @Override
            public Future<List<String>> devices(String day) {
                return Future.succeededFuture(List.copyOf(stored.keySet()));
            }
        };
        SwitchableRedis switchable = new SwitchableRedis(client);
        UsageCache outage = new UsageCache(RedisAPI.api(switchable), store, prefix(), 2_000, metrics, 1);
        redis.ping(List.of())
                .compose(pong -> {
                    switchable.down = true;
                    return outage.update(List.of(reading(T, 1, 1), new MeterReading(other, T, 1, 1, 900)));
                })
                .compose(v -> {
                    // WHEN Redis answers again and the repair runs
                    switchable.down = false;
                    return outage.repair();
                })
                .compose(copied -> {
                    ctx.verify(() -> assertThat(copied).as("device days copied").isGreaterThanOrEqualTo(2));
                    return Future.all(hget(cache.dayKey(device), "2026-11-27"),
                            hget(cache.dayKey(other), "2026-11-27"));
                })
                .eventually(() -> redis.del(List.of(cache.dayKey(other), cache.hourKey(other))))
                .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
                    // THEN both devices' totals are in Redis: the one beyond the bound through its day's device list
                    assertThat((String) all.resultAt(0)).isEqualTo("0.400000");
                    assertThat((String) all.resultAt(1)).isEqualTo("0.600000");
                    assertThat(outage.repairPending()).isFalse();
                    ctx.completeNow();
                })));
    }

    /** The key prefix of {@link #cache}, so the repaired keys are those the tear-down deletes. */
    private String prefix() {
        return cache.latestKey("x").substring(0, cache.latestKey("x").indexOf("device:{"));
    }
}
