package org.smartenergy.platform.billing.bills;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.redis.client.RedisAPI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smartenergy.platform.domain.tariff.BillView;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Redis copy of each device's current bill (encoded by {@link BillCacheCodec}) under
 * {@code <prefix>device:{<id>}:bill:current}, written by billing as readings arrive and read by the gateway.
 *
 * <p>Only a cache: no method ever fails. A Redis error or timeout is logged, counted in {@value #ERRORS_METRIC} and
 * answered as a miss, and the caller computes the bill from MongoDB. Entries expire after {@value #TTL_SECONDS} s so
 * a device that stopped sending does not keep a stale copy forever.
 *
 * <p>After an outage: a bill that could not be written leaves the previous copy in Redis (if Redis kept it), older
 * than MongoDB. The devices of failed writes are remembered (at most {@value #MAX_STALE}) and, at the next command
 * Redis answers, their entries are deleted ({@value #EVICT_CHUNK} per command), so readers miss and compute the bill
 * from MongoDB until billing writes it again. A device beyond the bound keeps its stale copy until its next bill
 * write or the expiry.
 */
public final class BillCache {

    /** The same counter the usage cache counts its failures in, told apart by {@value #CACHE_TAG}={@value #CACHE}. */
    public static final String ERRORS_METRIC = "energy.cache.errors";
    /** Tag of {@value #ERRORS_METRIC} naming the cache whose operation failed. */
    public static final String CACHE_TAG = "cache";
    /** Value of {@value #CACHE_TAG} for this cache's errors. */
    public static final String CACHE = "bill";
    static final long TTL_SECONDS = 24 * 3600;
    private static final Logger LOG = LoggerFactory.getLogger(BillCache.class);

    private final RedisAPI redis;
    private final String keyPrefix;
    private final long commandTimeoutMs;
    private final Counter errors;
    static final int MAX_STALE = 100_000;
    static final int EVICT_CHUNK = 500;
    // guarded by `this`
    private final Set<String> stale = new LinkedHashSet<>();
    private boolean evicting;

    /**
     * @param keyPrefix        {@code billing.redisKeyPrefix}
     * @param commandTimeoutMs {@code redis.commandTimeoutMs}
     */
    public BillCache(RedisAPI redis, String keyPrefix, long commandTimeoutMs, MeterRegistry metrics) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix");
        this.commandTimeoutMs = commandTimeoutMs;
        this.errors = Counter.builder(ERRORS_METRIC)
                .description("Failed Redis cache operations, by cache (usage totals, current bills)")
                .tag(CACHE_TAG, CACHE)
                .register(Objects.requireNonNull(metrics, "metrics"));
    }

    /** @return the key of a device's current bill */
    public String key(String deviceId) {
        return keyPrefix + "device:{" + deviceId + "}:bill:current";
    }

    /** Stores the device's current bill; always succeeds. */
    public Future<Void> put(String deviceId, BillView bill) {
        return redis.set(List.of(key(deviceId), BillCacheCodec.encode(bill), "EX", Long.toString(TTL_SECONDS)))
                .timeout(commandTimeoutMs, TimeUnit.MILLISECONDS)
                .<Void>mapEmpty()
                .onSuccess(v -> {
                    synchronized (this) {
                        stale.remove(deviceId);
                    }
                    evictStale();
                })
                .recover(e -> {
                    remember(deviceId);
                    return failed("put", deviceId, e);
                });
    }

    /** @return the cached current bill, or null on a miss, an unreadable entry or a Redis failure */
    public Future<BillView> get(String deviceId) {
        return redis.get(key(deviceId))
                .timeout(commandTimeoutMs, TimeUnit.MILLISECONDS)
                .map(response -> response == null ? null : BillCacheCodec.decode(response.toString()))
                .onSuccess(v -> evictStale())
                .recover(e -> failed("get", deviceId, e));
    }

    /** Drops the device's entry (its tariff changed); always succeeds. */
    public Future<Void> evict(String deviceId) {
        return redis.del(List.of(key(deviceId)))
                .timeout(commandTimeoutMs, TimeUnit.MILLISECONDS)
                .<Void>mapEmpty()
                .recover(e -> failed("evict", deviceId, e));
    }

    private synchronized void remember(String deviceId) {
        if (stale.size() < MAX_STALE) {
            stale.add(deviceId);
        }
    }

    /** Deletes the entries of devices whose bill write failed, a chunk per call, one call at a time. */
    private void evictStale() {
        List<String> devices = new ArrayList<>();
        synchronized (this) {
            if (evicting || stale.isEmpty()) {
                return;
            }
            evicting = true;
            for (var it = stale.iterator(); it.hasNext() && devices.size() < EVICT_CHUNK; ) {
                devices.add(it.next());
                it.remove();
            }
        }
        redis.del(devices.stream().map(this::key).toList())
                .timeout(commandTimeoutMs, TimeUnit.MILLISECONDS)
                .onComplete(ar -> {
                    boolean more;
                    synchronized (this) {
                        evicting = false;
                        if (ar.failed()) {
                            stale.addAll(devices);
                        }
                        more = ar.succeeded() && !stale.isEmpty();
                    }
                    if (ar.succeeded()) {
                        LOG.info("stale cached bills evicted after a Redis failure [devices: {}]", devices.size());
                    }
                    if (more) {
                        evictStale();
                    }
                });
    }

    private <T> Future<T> failed(String operation, String deviceId, Throwable e) {
        errors.increment();
        LOG.warn("bill cache {} failed, falling back to MongoDB [deviceId: {}]: {}", operation, deviceId, e.toString());
        return Future.succeededFuture();
    }
}
