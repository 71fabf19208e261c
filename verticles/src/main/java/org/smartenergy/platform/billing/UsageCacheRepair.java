package org.smartenergy.platform.billing;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.redis.client.RedisAPI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smartenergy.platform.billing.UsageTotalsSource.DeviceDay;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The repair half of {@link UsageCache} (see "Repair" there): remembers the device days of failed updates and copies
 * their stored totals to Redis again once it answers, with the cache's never-lowering writes. Owns
 * {@value UsageCache#REPAIRS_METRIC} and {@value UsageCache#REPAIR_PENDING_METRIC}; failures count in the cache's
 * {@value UsageCache#ERRORS_METRIC}.
 */
final class UsageCacheRepair {

    /** Logs under {@link UsageCache}, as before the split. */
    private static final Logger LOG = LoggerFactory.getLogger(UsageCache.class);

    private final UsageCache cache;
    private final RedisAPI redis;
    private final UsageTotalsSource totals;
    private final Counter errors;
    private final Counter repairs;
    // guarded by `this`: updates and repairs may complete on any thread of the client
    private final Set<DeviceDay> pending = new LinkedHashSet<>();
    private final Set<String> overflowDays = new TreeSet<>();
    private final AtomicLong pendingCount = new AtomicLong();
    private boolean repairing;
    private final int maxPending;

    UsageCacheRepair(UsageCache cache, RedisAPI redis, UsageTotalsSource totals, Counter errors, MeterRegistry metrics,
                     int maxPending) {
        this.cache = cache;
        this.redis = redis;
        this.totals = totals;
        this.errors = errors;
        this.maxPending = maxPending;
        this.repairs = Counter.builder(UsageCache.REPAIRS_METRIC)
                .description("Device days whose totals were copied to Redis again after a failed cache update")
                .register(metrics);
        Gauge.builder(UsageCache.REPAIR_PENDING_METRIC, pendingCount, AtomicLong::get)
                .description("Device days whose cached totals wait for a repair")
                .register(metrics);
    }

    /** Remembers device days whose cached totals may be missing or behind. */
    synchronized void remember(Set<DeviceDay> days) {
        for (DeviceDay d : days) {
            if (pending.size() < maxPending || pending.contains(d)) {
                pending.add(d);
            } else if (overflowDays.size() < UsageCache.MAX_OVERFLOW_DAYS) {
                if (overflowDays.add(d.day())) {
                    LOG.warn("cache repair backlog full, every device of the day will be re-copied [day: {}]",
                            d.day());
                }
            } else if (!overflowDays.contains(d.day())) {
                LOG.warn("cache repair backlog full, the day's cached totals stay behind until its devices send "
                        + "again [deviceId: {}, day: {}]", d.deviceId(), d.day());
            }
        }
        pendingCount.set(pending.size());
    }

    /** @return whether device days wait for a repair */
    synchronized boolean repairPending() {
        return !pending.isEmpty() || !overflowDays.isEmpty();
    }

    /**
     * Copies the totals of the device days whose update failed again, once Redis answers. Does nothing when nothing
     * waits or a repair is running; stops at the first failure (what was not repaired stays remembered).
     *
     * @return a future that always succeeds, with the number of device days copied
     */
    Future<Integer> repair() {
        synchronized (this) {
            if (repairing || (pending.isEmpty() && overflowDays.isEmpty())) {
                return Future.succeededFuture(0);
            }
            repairing = true;
        }
        return cache.bounded(redis.ping(List.of()))
                .compose(pong -> repairNext(0))
                .otherwise(e -> {
                    LOG.debug("cache repair waits, Redis does not answer: {}", e.toString());
                    return 0;
                })
                // the flag is cleared before the returned future completes, so a caller may repair again at once
                .map(copied -> {
                    synchronized (this) {
                        repairing = false;
                    }
                    if (copied > 0) {
                        LOG.info("usage cache repaired [device days: {}, still pending: {}]", copied,
                                pendingCount.get());
                    }
                    return copied;
                });
    }

    private Future<Integer> repairNext(int done) {
        Set<DeviceDay> chunk = new LinkedHashSet<>();
        String day = null;
        synchronized (this) {
            var it = pending.iterator();
            while (it.hasNext() && chunk.size() < UsageCache.REPAIR_CHUNK) {
                chunk.add(it.next());
                it.remove();
            }
            pendingCount.set(pending.size());
            if (chunk.isEmpty() && !overflowDays.isEmpty()) {
                day = overflowDays.iterator().next();
            }
        }
        if (!chunk.isEmpty()) {
            return cache.bounded(totals.totals(chunk))
                    .compose(buckets -> cache.copyTotals(buckets).map(buckets.size()))
                    .transform(ar -> {
                        if (ar.failed()) {
                            errors.increment();
                            remember(chunk);
                            LOG.debug("cache repair interrupted [device days: {}]: {}", chunk.size(),
                                    ar.cause().toString());
                            return Future.succeededFuture(done);
                        }
                        repairs.increment(ar.result());
                        return repairNext(done + ar.result());
                    });
        }
        if (day != null) {
            String overflowDay = day;
            // devices are listed before the day is forgotten, so a failed listing keeps it for the next run
            return totals.devices(overflowDay).transform(ar -> {
                if (ar.failed()) {
                    errors.increment();
                    LOG.debug("cache repair cannot list the devices of a day [day: {}]: {}", overflowDay,
                            ar.cause().toString());
                    return Future.succeededFuture(done);
                }
                synchronized (this) {
                    overflowDays.remove(overflowDay);
                }
                return repairDevices(overflowDay, ar.result(), 0, done);
            });
        }
        return Future.succeededFuture(done);
    }

    /** Re-copies the day of every listed device, a chunk at a time, then goes on with what else is pending. */
    private Future<Integer> repairDevices(String day, List<String> devices, int from, int done) {
        if (from >= devices.size()) {
            return repairNext(done);
        }
        Set<DeviceDay> chunk = new LinkedHashSet<>();
        for (int i = from; i < Math.min(devices.size(), from + UsageCache.REPAIR_CHUNK); i++) {
            chunk.add(new DeviceDay(devices.get(i), day));
        }
        return cache.bounded(totals.totals(chunk))
                .compose(buckets -> cache.copyTotals(buckets).map(buckets.size()))
                .transform(ar -> {
                    if (ar.failed()) {
                        errors.increment();
                        synchronized (this) {
                            overflowDays.add(day); // the whole day again next time: writes are idempotent
                        }
                        return Future.succeededFuture(done);
                    }
                    repairs.increment(ar.result());
                    return repairDevices(day, devices, from + UsageCache.REPAIR_CHUNK, done + ar.result());
                });
    }
}
