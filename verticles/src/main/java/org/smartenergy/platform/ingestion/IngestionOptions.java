package org.smartenergy.platform.ingestion;

import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.domain.ConfigKeys;
import org.smartenergy.platform.domain.ValidationRules;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code ingestion} section of the configuration: how readings are batched and published, how much may wait
 * for broker confirms, and the validation limits. JSON keys are the component names below (camelCase).
 *
 * @param batchMaxReadings       a batch is published as soon as it holds this many readings; default
 *                               {@value #DEFAULT_BATCH_MAX_READINGS}
 * @param batchMaxDelayMs        a batch is published at the latest this many milliseconds after its first reading
 *                               arrived; default {@value #DEFAULT_BATCH_MAX_DELAY_MS}. It bounds the latency batching
 *                               adds to an ack.
 * @param confirmTimeoutMs       a batch the broker has not confirmed this many milliseconds after it was closed fails
 *                               its readings with {@link IngestionApi#FAILURE_UNAVAILABLE}; default
 *                               {@value #DEFAULT_CONFIRM_TIMEOUT_MS}. Keep it below the gateway's reply timeout so
 *                               the caller learns the real cause.
 * @param maxPendingReadings     readings accepted for publishing but not yet confirmed (batched or awaiting a
 *                               confirm); beyond it new readings fail with {@link IngestionApi#FAILURE_OVERLOADED};
 *                               default {@value #DEFAULT_MAX_PENDING_READINGS}. This bounds the memory ingestion
 *                               holds while the broker is slow or blocked.
 * @param maxPowerKw             plausibility bound, average kW over the interval; default 1000
 *                               ({@link ValidationRules#maxPowerKw()})
 * @param maxFutureSkew          how far ahead of this node's clock a timestamp may lie, ISO-8601 duration in JSON;
 *                               default {@code PT5M}
 * @param maxAge                 the horizon: how old a timestamp may be, ISO-8601 duration in JSON; default
 *                               {@code P90D}
 * @param defaultIntervalSeconds the interval assumed when a reading says 0; default 900
 * @param minIntervalSeconds     shortest interval accepted; default 1
 * @param maxIntervalSeconds     longest interval accepted; default 86400
 * @param instances              ingestion verticle instances on a node, each with its own broker connection, open
 *                               batch and confirm state, on its own event loop; 0 = one per CPU core
 *                               ({@link #effectiveInstances()}); default {@value #DEFAULT_INSTANCES}. The node splits
 *                               {@code maxPendingReadings} between them ({@link #perInstance(int)}), so the bound
 *                               stays per node.
 */
public record IngestionOptions(int batchMaxReadings, long batchMaxDelayMs, long confirmTimeoutMs,
                               int maxPendingReadings, double maxPowerKw, Duration maxFutureSkew, Duration maxAge,
                               int defaultIntervalSeconds, int minIntervalSeconds, int maxIntervalSeconds,
                               int instances) {

    /** Default of {@link #batchMaxReadings()}. */
    public static final int DEFAULT_BATCH_MAX_READINGS = 500;
    /** Default of {@link #batchMaxDelayMs()}. */
    public static final long DEFAULT_BATCH_MAX_DELAY_MS = 10;
    /** Default of {@link #confirmTimeoutMs()}. */
    public static final long DEFAULT_CONFIRM_TIMEOUT_MS = 5_000;
    /** Default of {@link #maxPendingReadings()}. */
    public static final int DEFAULT_MAX_PENDING_READINGS = 20_000;

    /** Default of {@link #instances()}: one per CPU core. */
    public static final int DEFAULT_INSTANCES = 0;
    /** Most instances accepted. */
    public static final int MAX_INSTANCES = 1_024;

    /** The config section holding these options. */
    public static final String SECTION = "ingestion";
    /** Every key of the section; any other is refused. */
    public static final Set<String> KEYS = Set.of("batchMaxReadings", "batchMaxDelayMs", "confirmTimeoutMs",
            "maxPendingReadings", "maxPowerKw", "maxFutureSkew", "maxAge", "defaultIntervalSeconds",
            "minIntervalSeconds", "maxIntervalSeconds", "instances");

    /** Largest batch accepted: one AMQP message of JSON must stay well below the broker's frame/message limits. */
    public static final int MAX_BATCH_READINGS = 10_000;

    /** All defaults. */
    public static final IngestionOptions DEFAULTS = new IngestionOptions(
            DEFAULT_BATCH_MAX_READINGS, DEFAULT_BATCH_MAX_DELAY_MS, DEFAULT_CONFIRM_TIMEOUT_MS,
            DEFAULT_MAX_PENDING_READINGS,
            ValidationRules.DEFAULTS.maxPowerKw(), ValidationRules.DEFAULTS.maxFutureSkew(),
            ValidationRules.DEFAULTS.maxAge(), ValidationRules.DEFAULTS.defaultIntervalSeconds(),
            ValidationRules.DEFAULTS.minIntervalSeconds(), ValidationRules.DEFAULTS.maxIntervalSeconds(),
            DEFAULT_INSTANCES);

    public IngestionOptions {
        Objects.requireNonNull(maxFutureSkew, "maxFutureSkew");
        Objects.requireNonNull(maxAge, "maxAge");
        require(batchMaxReadings >= 1 && batchMaxReadings <= MAX_BATCH_READINGS,
                "ingestion.batchMaxReadings must be between 1 and " + MAX_BATCH_READINGS + ", was " + batchMaxReadings);
        require(batchMaxDelayMs >= 1, "ingestion.batchMaxDelayMs must be >= 1, was " + batchMaxDelayMs);
        require(confirmTimeoutMs >= 1, "ingestion.confirmTimeoutMs must be >= 1, was " + confirmTimeoutMs);
        require(maxPendingReadings >= 1, "ingestion.maxPendingReadings must be >= 1, was " + maxPendingReadings);
        require(instances >= 0 && instances <= MAX_INSTANCES,
                "ingestion.instances must be between 0 (one per CPU core) and " + MAX_INSTANCES + ", was " + instances);
        // the rules check their own invariants; rethrow with the configuration's vocabulary
        try {
            new ValidationRules(maxPowerKw, maxFutureSkew, maxAge, defaultIntervalSeconds, minIntervalSeconds,
                    maxIntervalSeconds);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ingestion: " + e.getMessage(), e);
        }
    }

    /**
     * Reads the {@code ingestion} section; absent keys take their defaults.
     *
     * @throws IllegalArgumentException naming the key, if a value has the wrong type or is out of range, or if
     *                                  the section holds a key that is not an option
     */
    public static IngestionOptions fromJson(JsonObject json) {
        JsonObject j = json == null ? new JsonObject() : json;
        ConfigKeys.requireKnown(SECTION, j.fieldNames(), KEYS);
        return new IngestionOptions(
                (int) integer(j, "batchMaxReadings", DEFAULTS.batchMaxReadings, Integer.MAX_VALUE),
                integer(j, "batchMaxDelayMs", DEFAULTS.batchMaxDelayMs, Long.MAX_VALUE),
                integer(j, "confirmTimeoutMs", DEFAULTS.confirmTimeoutMs, Long.MAX_VALUE),
                (int) integer(j, "maxPendingReadings", DEFAULTS.maxPendingReadings, Integer.MAX_VALUE),
                number(j, "maxPowerKw", DEFAULTS.maxPowerKw),
                duration(j, "maxFutureSkew", DEFAULTS.maxFutureSkew),
                duration(j, "maxAge", DEFAULTS.maxAge),
                (int) integer(j, "defaultIntervalSeconds", DEFAULTS.defaultIntervalSeconds, Integer.MAX_VALUE),
                (int) integer(j, "minIntervalSeconds", DEFAULTS.minIntervalSeconds, Integer.MAX_VALUE),
                (int) integer(j, "maxIntervalSeconds", DEFAULTS.maxIntervalSeconds, Integer.MAX_VALUE),
                (int) integer(j, "instances", DEFAULTS.instances, Integer.MAX_VALUE));
    }

    /** @return the number of instances to deploy: {@link #instances()}, or the CPU cores when it is 0 */
    public int effectiveInstances() {
        return instances > 0 ? instances : Runtime.getRuntime().availableProcessors();
    }

    /**
     * @param count the instances deployed on the node
     * @return the options of one of them: {@link #maxPendingReadings()} divided between the instances (at least 1
     *         each), so the node as a whole holds no more unconfirmed readings than configured
     */
    public IngestionOptions perInstance(int count) {
        int share = Math.max(1, maxPendingReadings / Math.max(1, count));
        return new IngestionOptions(batchMaxReadings, batchMaxDelayMs, confirmTimeoutMs, share, maxPowerKw,
                maxFutureSkew, maxAge, defaultIntervalSeconds, minIntervalSeconds, maxIntervalSeconds, instances);
    }

    /** @return the validation limits these options configure */
    public ValidationRules validationRules() {
        return new ValidationRules(maxPowerKw, maxFutureSkew, maxAge, defaultIntervalSeconds, minIntervalSeconds,
                maxIntervalSeconds);
    }

    /** @return the options as JSON, in the shape {@link #fromJson(JsonObject)} reads */
    public JsonObject toJson() {
        return new JsonObject()
                .put("batchMaxReadings", batchMaxReadings)
                .put("batchMaxDelayMs", batchMaxDelayMs)
                .put("confirmTimeoutMs", confirmTimeoutMs)
                .put("maxPendingReadings", maxPendingReadings)
                .put("maxPowerKw", maxPowerKw)
                .put("maxFutureSkew", maxFutureSkew.toString())
                .put("maxAge", maxAge.toString())
                .put("defaultIntervalSeconds", defaultIntervalSeconds)
                .put("minIntervalSeconds", minIntervalSeconds)
                .put("maxIntervalSeconds", maxIntervalSeconds)
                .put("instances", instances);
    }

    private static long integer(JsonObject j, String key, long defaultValue, long max) {
        Object value = j.getValue(key);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Number n && (n instanceof Integer || n instanceof Long || n instanceof Short
                || n instanceof Byte || (n.doubleValue() == Math.rint(n.doubleValue()) && Double.isFinite(n.doubleValue())))) {
            long l = n.longValue();
            if (l > max) {
                throw new IllegalArgumentException("ingestion." + key + " must be at most " + max + ", was " + value);
            }
            return l;
        }
        throw new IllegalArgumentException("ingestion." + key + " must be a whole number, was '" + value + "'");
    }

    private static double number(JsonObject j, String key, double defaultValue) {
        Object value = j.getValue(key);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException("ingestion." + key + " must be a number, was '" + value + "'");
    }

    private static Duration duration(JsonObject j, String key, Duration defaultValue) {
        Object value = j.getValue(key);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof String s) {
            try {
                return Duration.parse(s);
            } catch (DateTimeParseException e) {
                // fall through to the common message
            }
        }
        throw new IllegalArgumentException(
                "ingestion." + key + " must be an ISO-8601 duration such as PT5M or P90D, was '" + value + "'");
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
