package org.smartenergy.platform.billing;

import io.vertx.core.json.JsonObject;

import java.util.Objects;

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
 * @param readingsCollection         MongoDB collection of per-device, per-UTC-day buckets. Default
 *                                   {@value #DEFAULT_READINGS_COLLECTION}
 * @param redisKeyPrefix             prefix of every Redis key the usage cache writes. Default
 *                                   {@value #DEFAULT_REDIS_KEY_PREFIX}
 */
public record BillingOptions(int prefetch, long storeRetryInitialBackoffMs, long storeRetryMaxBackoffMs,
                             String readingsCollection, String redisKeyPrefix) {

    public static final int DEFAULT_PREFETCH = 16;
    public static final long DEFAULT_STORE_RETRY_INITIAL_BACKOFF_MS = 200;
    public static final long DEFAULT_STORE_RETRY_MAX_BACKOFF_MS = 5000;
    public static final String DEFAULT_READINGS_COLLECTION = "usage_days";
    public static final String DEFAULT_REDIS_KEY_PREFIX = "sep:";

    /** All defaults. */
    public static final BillingOptions DEFAULTS = new BillingOptions(DEFAULT_PREFETCH,
            DEFAULT_STORE_RETRY_INITIAL_BACKOFF_MS, DEFAULT_STORE_RETRY_MAX_BACKOFF_MS,
            DEFAULT_READINGS_COLLECTION, DEFAULT_REDIS_KEY_PREFIX);

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
    }

    /**
     * Reads the {@code billing} section; absent keys take their defaults.
     *
     * @throws IllegalArgumentException if a value is out of range or of the wrong type
     */
    public static BillingOptions fromJson(JsonObject json) {
        JsonObject j = json == null ? new JsonObject() : json;
        try {
            return new BillingOptions(
                    j.getInteger("prefetch", DEFAULT_PREFETCH),
                    j.getLong("storeRetryInitialBackoffMs", DEFAULT_STORE_RETRY_INITIAL_BACKOFF_MS),
                    j.getLong("storeRetryMaxBackoffMs", DEFAULT_STORE_RETRY_MAX_BACKOFF_MS),
                    j.getString("readingsCollection", DEFAULT_READINGS_COLLECTION),
                    j.getString("redisKeyPrefix", DEFAULT_REDIS_KEY_PREFIX));
        } catch (ClassCastException e) {
            throw new IllegalArgumentException("billing: wrong value type: " + e.getMessage(), e);
        }
    }

    /** @return a copy with another prefetch */
    public BillingOptions withPrefetch(int value) {
        return new BillingOptions(value, storeRetryInitialBackoffMs, storeRetryMaxBackoffMs, readingsCollection,
                redisKeyPrefix);
    }

    /** @return a copy with other retry backoffs */
    public BillingOptions withStoreRetryBackoff(long initialMs, long maxMs) {
        return new BillingOptions(prefetch, initialMs, maxMs, readingsCollection, redisKeyPrefix);
    }

    /** @return a copy with another collection */
    public BillingOptions withReadingsCollection(String value) {
        return new BillingOptions(prefetch, storeRetryInitialBackoffMs, storeRetryMaxBackoffMs, value, redisKeyPrefix);
    }

    /** @return a copy with another Redis key prefix */
    public BillingOptions withRedisKeyPrefix(String value) {
        return new BillingOptions(prefetch, storeRetryInitialBackoffMs, storeRetryMaxBackoffMs, readingsCollection,
                value);
    }
}
