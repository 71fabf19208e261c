package org.smartenergy.platform.domain;

import java.time.Duration;
import java.util.Objects;

/**
 * The limits a reading must respect to be accepted.
 *
 * @param maxPowerKw             plausibility bound: a reading may not exceed this average power over its interval,
 *                               i.e. {@code usage_kwh <= maxPowerKw * interval hours}
 * @param maxFutureSkew          how far beyond the receiving node's clock a timestamp may lie
 * @param maxAge                 the horizon: how far in the past a timestamp may lie
 * @param defaultIntervalSeconds the interval assumed when a reading says 0
 * @param minIntervalSeconds     shortest interval accepted
 * @param maxIntervalSeconds     longest interval accepted
 */
public record ValidationRules(double maxPowerKw, Duration maxFutureSkew, Duration maxAge,
                              int defaultIntervalSeconds, int minIntervalSeconds, int maxIntervalSeconds) {

    /** Device ids longer than this are refused. */
    public static final int MAX_DEVICE_ID_LENGTH = 64;

    /** The defaults documented in README's configuration table. */
    public static final ValidationRules DEFAULTS = new ValidationRules(
            1_000.0, Duration.ofMinutes(5), Duration.ofDays(90), 900, 1, 86_400);

    public ValidationRules {
        Objects.requireNonNull(maxFutureSkew, "maxFutureSkew");
        Objects.requireNonNull(maxAge, "maxAge");
        if (!(maxPowerKw > 0) || !Double.isFinite(maxPowerKw)) {
            throw new IllegalArgumentException("maxPowerKw must be a positive number");
        }
        if (maxFutureSkew.isNegative() || maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("maxFutureSkew must be >= 0 and maxAge > 0");
        }
        if (minIntervalSeconds < 1 || maxIntervalSeconds < minIntervalSeconds
                || defaultIntervalSeconds < minIntervalSeconds || defaultIntervalSeconds > maxIntervalSeconds) {
            throw new IllegalArgumentException(
                    "intervals must satisfy 1 <= minIntervalSeconds <= defaultIntervalSeconds <= maxIntervalSeconds");
        }
    }
}
