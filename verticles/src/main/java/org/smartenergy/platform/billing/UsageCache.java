package org.smartenergy.platform.billing;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.redis.client.RedisAPI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smartenergy.platform.billing.UsageTotalsSource.BucketTotals;
import org.smartenergy.platform.billing.UsageTotalsSource.DeviceDay;
import org.smartenergy.platform.domain.Energy;
import org.smartenergy.platform.domain.MeterReading;
import org.smartenergy.platform.domain.UsageBuckets;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Redis cache of what dashboards ask for most: each device's latest reading and its running daily and hourly
 * totals. Keys (the device id sits in braces, a Redis Cluster hash tag, so all keys of a device share a slot):
 * <ul>
 *   <li>{@code <prefix>device:{<id>}:latest} hash: {@code ts} (interval end, epoch ms), {@code kwh}, {@code seq},
 *       {@code interval} (seconds). Replaced only by a reading with a newer timestamp, atomically (Lua).</li>
 *   <li>{@code <prefix>device:{<id>}:day} hash: {@code yyyy-MM-dd} -> kWh (exact decimal string)</li>
 *   <li>{@code <prefix>device:{<id>}:hour} hash: {@code yyyy-MM-ddTHH} (UTC) -> kWh</li>
 * </ul>
 *
 * <p>Totals are copied from the store's truth after each batch ({@link UsageTotalsSource}), never incremented here,
 * so a redelivered batch cannot inflate them. Two batches may read the truth in one order and write it in the other;
 * because stored totals only grow, a write that would lower a value is ignored (Lua), so the cache never moves
 * backwards.
 *
 * <p>Redis is only a cache: {@link #update} never fails. Errors are counted in {@value #ERRORS_METRIC}, logged at
 * warn at most once per {@value #WARN_INTERVAL_MS} ms, and bounded by a command timeout so an unresponsive Redis does
 * not hold anything up.
 *
 * <p>Repair ({@link UsageCacheRepair}): the device days of an update that failed are remembered (at most {@value #MAX_PENDING}; beyond that only
 * their days, at most {@value #MAX_OVERFLOW_DAYS}, whose every device is then re-copied). {@link #repair()}, called
 * periodically by billing, does nothing while that is empty; otherwise it sends {@code PING} and, once Redis answers,
 * reads the remembered days' totals from the store again and writes them ({@value #REPAIR_CHUNK} device days per
 * read), counting each device day copied in {@value #REPAIRS_METRIC}. The writes are the same absolute,
 * never-lowering ones as an update's, so a repair racing an update, or repeating one, cannot count anything twice.
 * What is remembered lives in this process only: a node restarted during an outage forgets it, and the days it had
 * failed to write stay missing in Redis until a new reading of the same device day is stored (an update copies the
 * whole day's total again).
 */
public final class UsageCache {

    /**
     * Counter of failed cache updates (one per failed command or failed read of the totals), shared with the bill
     * cache and told apart by the {@value #CACHE_TAG} tag: {@value #CACHE} here.
     */
    public static final String ERRORS_METRIC = "energy.cache.errors";
    /** Tag of {@value #ERRORS_METRIC} naming the cache whose operation failed. */
    public static final String CACHE_TAG = "cache";
    /** Value of {@value #CACHE_TAG} for this cache's errors. */
    public static final String CACHE = "usage";
    static final long WARN_INTERVAL_MS = 10_000;
    /** Counter of device days whose totals were copied again after a failed update (Prometheus {@code _total}). */
    public static final String REPAIRS_METRIC = "energy.cache.repairs";
    /** Gauge of device days waiting for a repair (without those of overflowed days). */
    public static final String REPAIR_PENDING_METRIC = "energy.cache.repair.pending";
    /** How often billing calls {@link #repair()}. */
    public static final long REPAIR_INTERVAL_MS = 2_000;
    /** Device days remembered for a repair at most. */
    static final int MAX_PENDING = 100_000;
    /** Days remembered (every device of the day re-copied) once {@link #MAX_PENDING} is reached, at most. */
    static final int MAX_OVERFLOW_DAYS = 1_000;
    /** Device days read and written per repair step. */
    static final int REPAIR_CHUNK = 200;

    private static final Logger LOG = LoggerFactory.getLogger(UsageCache.class);

    /** Replaces the latest reading only if the new one ends later. KEYS[1] hash; ARGV ts, kwh, seq, interval. */
    private static final String LATEST_SCRIPT = """
            local current = redis.call('HGET', KEYS[1], 'ts')
            if current and tonumber(current) >= tonumber(ARGV[1]) then
              return 0
            end
            redis.call('HSET', KEYS[1], 'ts', ARGV[1], 'kwh', ARGV[2], 'seq', ARGV[3], 'interval', ARGV[4])
            return 1
            """;

    /** Sets each field unless that would lower it. KEYS[1] hash; ARGV field1, value1, field2, value2, ... */
    private static final String RAISE_SCRIPT = """
            local changed = 0
            for i = 1, #ARGV, 2 do
              local current = redis.call('HGET', KEYS[1], ARGV[i])
              if not current or tonumber(current) < tonumber(ARGV[i + 1]) then
                redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
                changed = changed + 1
              end
            end
            return changed
            """;

    private final RedisAPI redis;
    private final UsageTotalsSource totals;
    private final String keyPrefix;
    private final long commandTimeoutMs;
    private final Counter errors;
    private final AtomicLong lastWarn = new AtomicLong();
    private final UsageCacheRepair repair;

    /**
     * @param redis            the Redis API (from {@code RedisAPI.api(Redis.createClient(vertx,
     *                         redisSettings.toRedisOptions()))})
     * @param totals           where the stored totals are read (the {@link MongoReadingStore})
     * @param keyPrefix        prefix of every key, {@code billing.redisKeyPrefix}
     * @param commandTimeoutMs how long one update may take, {@code redis.commandTimeoutMs}
     * @param metrics          registry for {@value #ERRORS_METRIC}
     */
    public UsageCache(RedisAPI redis, UsageTotalsSource totals, String keyPrefix, long commandTimeoutMs,
                      MeterRegistry metrics) {
        this(redis, totals, keyPrefix, commandTimeoutMs, metrics, MAX_PENDING);
    }

    /** @param maxPending device days remembered for a repair at most (tests lower it to reach the overflow) */
    UsageCache(RedisAPI redis, UsageTotalsSource totals, String keyPrefix, long commandTimeoutMs,
               MeterRegistry metrics, int maxPending) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.totals = Objects.requireNonNull(totals, "totals");
        this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix");
        if (commandTimeoutMs <= 0) {
            throw new IllegalArgumentException("commandTimeoutMs must be > 0");
        }
        this.commandTimeoutMs = commandTimeoutMs;
        this.errors = Counter.builder(ERRORS_METRIC)
                .description("Failed Redis cache operations, by cache (usage totals, current bills)")
                .tag(CACHE_TAG, CACHE)
                .register(Objects.requireNonNull(metrics, "metrics"));
        this.repair = new UsageCacheRepair(this, redis, totals, errors, metrics, maxPending);
    }

    /** @return the key of a device's latest reading */
    public String latestKey(String deviceId) {
        return keyPrefix + "device:{" + deviceId + "}:latest";
    }

    /** @return the key of a device's daily totals */
    public String dayKey(String deviceId) {
        return keyPrefix + "device:{" + deviceId + "}:day";
    }

    /** @return the key of a device's hourly totals */
    public String hourKey(String deviceId) {
        return keyPrefix + "device:{" + deviceId + "}:hour";
    }

    /**
     * Brings the cache up to date after a batch was stored (whether its readings were new or duplicates).
     *
     * @return a future that always succeeds, once every command has completed, failed or timed out
     */
    public Future<Void> update(List<MeterReading> batch) {
        if (batch.isEmpty()) {
            return Future.succeededFuture();
        }
        Map<String, MeterReading> latest = new HashMap<>();
        Set<DeviceDay> days = new LinkedHashSet<>();
        for (MeterReading r : batch) {
            latest.merge(r.deviceId(), r, (a, b) -> b.timestamp().isAfter(a.timestamp()) ? b : a);
            days.add(new DeviceDay(r.deviceId(), UsageBuckets.day(r.timestamp().toEpochMilli())));
        }
        List<Future<?>> commands = new ArrayList<>();
        latest.values().forEach(r -> commands.add(bounded(redis.eval(List.of(LATEST_SCRIPT, "1",
                latestKey(r.deviceId()), Long.toString(r.timestamp().toEpochMilli()),
                Energy.toKwhExact(r.usageMwh()).toPlainString(), Long.toString(r.seq()),
                Integer.toString(r.intervalSeconds()))))));
        commands.add(bounded(totals.totals(days)).compose(this::copyTotals));
        return Future.join(commands)
                .<Void>mapEmpty()
                .otherwise(e -> {
                    long failed = commands.stream().filter(Future::failed).count();
                    errors.increment(failed);
                    repair.remember(days);
                    warnRateLimited(batch.size(), failed, commands.stream().filter(Future::failed)
                            .map(Future::cause).findFirst().orElse(e));
                    return null;
                });
    }

    /** @return whether device days wait for a repair */
    public boolean repairPending() {
        return repair.repairPending();
    }

    /**
     * Copies the totals of the device days whose update failed again, once Redis answers. Does nothing when nothing
     * waits or a repair is running; stops at the first failure (what was not repaired stays remembered).
     *
     * @return a future that always succeeds, with the number of device days copied
     */
    public Future<Integer> repair() {
        return repair.repair();
    }

    Future<Void> copyTotals(List<BucketTotals> buckets) {
        Map<String, List<String>> dayFields = new HashMap<>();
        Map<String, List<String>> hourFields = new HashMap<>();
        for (BucketTotals b : buckets) {
            dayFields.computeIfAbsent(b.deviceId(), k -> new ArrayList<>())
                    .addAll(List.of(b.day(), kwh(b.totalMwh())));
            List<String> hours = hourFields.computeIfAbsent(b.deviceId(), k -> new ArrayList<>());
            b.hoursMwh().forEach((hour, mwh) ->
                    hours.addAll(List.of(b.day() + "T" + (hour < 10 ? "0" + hour : hour.toString()), kwh(mwh))));
        }
        List<Future<?>> writes = new ArrayList<>();
        dayFields.forEach((device, fields) -> writes.add(raise(dayKey(device), fields)));
        hourFields.forEach((device, fields) -> {
            if (!fields.isEmpty()) {
                writes.add(raise(hourKey(device), fields));
            }
        });
        return Future.all(writes).mapEmpty();
    }

    private Future<?> raise(String key, List<String> fieldsAndValues) {
        List<String> args = new ArrayList<>(fieldsAndValues.size() + 3);
        args.add(RAISE_SCRIPT);
        args.add("1");
        args.add(key);
        args.addAll(fieldsAndValues);
        return bounded(redis.eval(args));
    }

    <T> Future<T> bounded(Future<T> command) {
        return command.timeout(commandTimeoutMs, TimeUnit.MILLISECONDS);
    }

    private static String kwh(long mwh) {
        return Energy.toKwhExact(mwh).toPlainString();
    }

    private void warnRateLimited(int readings, long failed, Throwable cause) {
        long now = System.currentTimeMillis();
        long last = lastWarn.get();
        if (now - last >= WARN_INTERVAL_MS && lastWarn.compareAndSet(last, now)) {
            LOG.warn("usage cache update failed, readings are stored but the cache is stale "
                    + "[readings: {}, failed commands: {}]: {}", readings, failed, cause.toString());
        } else {
            LOG.debug("usage cache update failed [readings: {}, failed commands: {}]: {}", readings, failed,
                    cause.toString());
        }
    }
}
