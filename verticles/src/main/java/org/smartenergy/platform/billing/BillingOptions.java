package org.smartenergy.platform.billing;

import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.domain.ConfigKeys;

import java.util.Objects;
import java.util.Set;

/**
 * The {@code billing} section of the configuration: how {@link BillingVerticle} consumes and stores readings.
 *
 * @param prefetch                   how many deliveries the broker may hand this consumer before it acks any
 *                                   ({@code basicQos}); it bounds both in-flight stores and the client's internal
 *                                   queue. Default {@value #DEFAULT_PREFETCH}
 * @param storeRetryInitialBackoffMs first pause before retrying a failed store (the delivery is held meanwhile,
 *                                   never dead-lettered); doubles on every attempt. Default
 *                                   {@value #DEFAULT_STORE_RETRY_INITIAL_BACKOFF_MS}
 * @param storeRetryMaxBackoffMs     upper bound of that pause. Default {@value #DEFAULT_STORE_RETRY_MAX_BACKOFF_MS}
 * @param readingsCollection         MongoDB collection of per-device, per-UTC-hour buckets. Default
 *                                   {@value #DEFAULT_READINGS_COLLECTION}
 * @param redisKeyPrefix             prefix of every Redis key the usage cache writes. Default
 *                                   {@value #DEFAULT_REDIS_KEY_PREFIX}
 * @param closeGraceHours            a billing period is closed (its bill issued) this long after its end, so readings
 *                                   delayed by a logger outage still land on it; later ones become adjustments on
 *                                   the next bill. Default {@value #DEFAULT_CLOSE_GRACE_HOURS}
 * @param closeCheckIntervalMs       how often the billing verticle looks for periods to close. Default
 *                                   {@value #DEFAULT_CLOSE_CHECK_INTERVAL_MS}
 * @param storeBatchMaxReadings      deliveries are stored together until they hold this many readings (one store
 *                                   call, then each delivery acked). Default {@value #DEFAULT_STORE_BATCH_MAX_READINGS}
 * @param storeBatchMaxDelayMs       ... or until the first of them has waited this long. Default
 *                                   {@value #DEFAULT_STORE_BATCH_MAX_DELAY_MS}; 0 stores every delivery on its own
 */
public record BillingOptions(int prefetch, long storeRetryInitialBackoffMs, long storeRetryMaxBackoffMs,
                             String readingsCollection, String redisKeyPrefix, int closeGraceHours,
                             long closeCheckIntervalMs, int storeBatchMaxReadings, long storeBatchMaxDelayMs) {

    /** The config section holding these options. */
    public static final String SECTION = "billing";
    /** Every key of the section; any other is refused. */
    public static final Set<String> KEYS = Set.of("prefetch", "storeRetryInitialBackoffMs", "storeRetryMaxBackoffMs",
            "readingsCollection", "redisKeyPrefix", "closeGraceHours", "closeCheckIntervalMs", "storeBatchMaxReadings",
            "storeBatchMaxDelayMs");

    public static final int DEFAULT_PREFETCH = 64;
    public static final long DEFAULT_STORE_RETRY_INITIAL_BACKOFF_MS = 200;
    public static final long DEFAULT_STORE_RETRY_MAX_BACKOFF_MS = 5000;
    public static final String DEFAULT_READINGS_COLLECTION = "usage_hours";
    public static final String DEFAULT_REDIS_KEY_PREFIX = "sep:";
    public static final int DEFAULT_CLOSE_GRACE_HOURS = 48;
    public static final long DEFAULT_CLOSE_CHECK_INTERVAL_MS = 60_000;
    public static final int DEFAULT_STORE_BATCH_MAX_READINGS = 5_000;
    public static final long DEFAULT_STORE_BATCH_MAX_DELAY_MS = 200;

    /** All defaults. */
    public static final BillingOptions DEFAULTS = new BillingOptions(DEFAULT_PREFETCH,
            DEFAULT_STORE_RETRY_INITIAL_BACKOFF_MS, DEFAULT_STORE_RETRY_MAX_BACKOFF_MS,
            DEFAULT_READINGS_COLLECTION, DEFAULT_REDIS_KEY_PREFIX, DEFAULT_CLOSE_GRACE_HOURS,
            DEFAULT_CLOSE_CHECK_INTERVAL_MS, DEFAULT_STORE_BATCH_MAX_READINGS, DEFAULT_STORE_BATCH_MAX_DELAY_MS);

    /** The options of earlier releases, without period closing (the close settings take their defaults). */
    public BillingOptions(int prefetch, long storeRetryInitialBackoffMs, long storeRetryMaxBackoffMs,
                          String readingsCollection, String redisKeyPrefix) {
        this(prefetch, storeRetryInitialBackoffMs, storeRetryMaxBackoffMs, readingsCollection, redisKeyPrefix,
                DEFAULT_CLOSE_GRACE_HOURS, DEFAULT_CLOSE_CHECK_INTERVAL_MS, DEFAULT_STORE_BATCH_MAX_READINGS,
                DEFAULT_STORE_BATCH_MAX_DELAY_MS);
    }

    public BillingOptions {
        Objects.requireNonNull(readingsCollection, "readingsCollection");
        Objects.requireNonNull(redisKeyPrefix, "redisKeyPrefix");
        if (prefetch < 1 || prefetch > 65_535) {
            throw new IllegalArgumentException("billing.prefetch must be between 1 and 65535, was " + prefetch);
        }
        if (storeRetryInitialBackoffMs < 1 || storeRetryMaxBackoffMs < storeRetryInitialBackoffMs) {
            throw new IllegalArgumentException(
                    "billing.storeRetryInitialBackoffMs must be >= 1 and <= billing.storeRetryMaxBackoffMs");
        }
        if (readingsCollection.isBlank()) {
            throw new IllegalArgumentException("billing.readingsCollection must not be blank");
        }
        if (closeGraceHours < 0 || closeGraceHours > 24 * 90) {
            throw new IllegalArgumentException("billing.closeGraceHours must be between 0 and 2160, was "
                    + closeGraceHours);
        }
        if (closeCheckIntervalMs < 10) {
            throw new IllegalArgumentException("billing.closeCheckIntervalMs must be >= 10, was "
                    + closeCheckIntervalMs);
        }
        if (storeBatchMaxReadings < 1 || storeBatchMaxReadings > 100_000) {
            throw new IllegalArgumentException("billing.storeBatchMaxReadings must be between 1 and 100000, was "
                    + storeBatchMaxReadings);
        }
        if (storeBatchMaxDelayMs < 0 || storeBatchMaxDelayMs > 10_000) {
            throw new IllegalArgumentException("billing.storeBatchMaxDelayMs must be between 0 and 10000, was "
                    + storeBatchMaxDelayMs);
        }
    }

    /**
     * Reads the {@code billing} section; absent keys take their defaults.
     *
     * @throws IllegalArgumentException if a value is out of range or of the wrong type, or a key is not an option
     */
    public static BillingOptions fromJson(JsonObject json) {
        JsonObject j = json == null ? new JsonObject() : json;
        ConfigKeys.requireKnown(SECTION, j.fieldNames(), KEYS);
        try {
            return new BillingOptions(
                    j.getInteger("prefetch", DEFAULT_PREFETCH),
                    j.getLong("storeRetryInitialBackoffMs", DEFAULT_STORE_RETRY_INITIAL_BACKOFF_MS),
                    j.getLong("storeRetryMaxBackoffMs", DEFAULT_STORE_RETRY_MAX_BACKOFF_MS),
                    j.getString("readingsCollection", DEFAULT_READINGS_COLLECTION),
                    j.getString("redisKeyPrefix", DEFAULT_REDIS_KEY_PREFIX),
                    j.getInteger("closeGraceHours", DEFAULT_CLOSE_GRACE_HOURS),
                    j.getLong("closeCheckIntervalMs", DEFAULT_CLOSE_CHECK_INTERVAL_MS),
                    j.getInteger("storeBatchMaxReadings", DEFAULT_STORE_BATCH_MAX_READINGS),
                    j.getLong("storeBatchMaxDelayMs", DEFAULT_STORE_BATCH_MAX_DELAY_MS));
        } catch (ClassCastException e) {
            throw new IllegalArgumentException("billing: wrong value type: " + e.getMessage(), e);
        }
    }

    /** @return a copy with another prefetch */
    public BillingOptions withPrefetch(int value) {
        return new BillingOptions(value, storeRetryInitialBackoffMs, storeRetryMaxBackoffMs, readingsCollection,
                redisKeyPrefix, closeGraceHours, closeCheckIntervalMs,
                storeBatchMaxReadings, storeBatchMaxDelayMs);
    }

    /** @return a copy with other retry backoffs */
    public BillingOptions withStoreRetryBackoff(long initialMs, long maxMs) {
        return new BillingOptions(prefetch, initialMs, maxMs, readingsCollection, redisKeyPrefix, closeGraceHours,
                closeCheckIntervalMs,
                storeBatchMaxReadings, storeBatchMaxDelayMs);
    }

    /** @return a copy with another collection */
    public BillingOptions withReadingsCollection(String value) {
        return new BillingOptions(prefetch, storeRetryInitialBackoffMs, storeRetryMaxBackoffMs, value, redisKeyPrefix,
                closeGraceHours, closeCheckIntervalMs,
                storeBatchMaxReadings, storeBatchMaxDelayMs);
    }

    /** @return a copy with another Redis key prefix */
    public BillingOptions withRedisKeyPrefix(String value) {
        return new BillingOptions(prefetch, storeRetryInitialBackoffMs, storeRetryMaxBackoffMs, readingsCollection,
                value, closeGraceHours, closeCheckIntervalMs,
                storeBatchMaxReadings, storeBatchMaxDelayMs);
    }

    /** @return a copy with other store-batching settings */
    public BillingOptions withStoreBatch(int maxReadings, long maxDelayMs) {
        return new BillingOptions(prefetch, storeRetryInitialBackoffMs, storeRetryMaxBackoffMs, readingsCollection,
                redisKeyPrefix, closeGraceHours, closeCheckIntervalMs, maxReadings, maxDelayMs);
    }

    /** @return a copy with other period-closing settings */
    public BillingOptions withClosing(int graceHours, long checkIntervalMs) {
        return new BillingOptions(prefetch, storeRetryInitialBackoffMs, storeRetryMaxBackoffMs, readingsCollection,
                redisKeyPrefix, graceHours, checkIntervalMs,
                storeBatchMaxReadings, storeBatchMaxDelayMs);
    }
}
