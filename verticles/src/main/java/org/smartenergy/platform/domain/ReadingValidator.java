package org.smartenergy.platform.domain;

import java.time.Clock;
import java.time.Instant;
import java.util.Objects;

/**
 * Checks a raw reading against {@link ValidationRules}. Pure: no I/O, no Vert.x; the clock comes in so tests can
 * fix "now".
 */
public final class ReadingValidator {

    private final ValidationRules rules;
    private final Clock clock;

    public ReadingValidator(ValidationRules rules, Clock clock) {
        this.rules = Objects.requireNonNull(rules, "rules");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Validates one reading as received.
     *
     * @param deviceId        the device id as sent (may be null or empty)
     * @param timestamp       the interval end, or null when the reading carried none
     * @param usageKwh        energy in kWh as sent
     * @param seq             the logger's sequence number
     * @param intervalSeconds the interval as sent; 0 means the configured default
     */
    public ValidationResult validate(String deviceId, Instant timestamp, double usageKwh, long seq,
                                     long intervalSeconds) {
        if (deviceId == null || deviceId.isEmpty() || deviceId.length() > ValidationRules.MAX_DEVICE_ID_LENGTH) {
            return invalid(RejectReason.DEVICE_ID_INVALID,
                    "device_id must be 1 to %d characters", ValidationRules.MAX_DEVICE_ID_LENGTH);
        }
        if (deviceId.isBlank() || deviceId.chars().anyMatch(Character::isISOControl)) {
            return invalid(RejectReason.DEVICE_ID_INVALID, "device_id must not be blank or contain control characters");
        }
        long interval = intervalSeconds == 0 ? rules.defaultIntervalSeconds() : intervalSeconds;
        if (interval < rules.minIntervalSeconds() || interval > rules.maxIntervalSeconds()) {
            return invalid(RejectReason.INTERVAL_INVALID, "interval_seconds must be 0 (default %d) or between %d and %d, was %d",
                    rules.defaultIntervalSeconds(), rules.minIntervalSeconds(), rules.maxIntervalSeconds(), intervalSeconds);
        }
        if (!Double.isFinite(usageKwh)) {
            return invalid(RejectReason.USAGE_NOT_FINITE, "usage_kwh must be a finite number, was %s", usageKwh);
        }
        if (usageKwh < 0) {
            return invalid(RejectReason.USAGE_NEGATIVE, "usage_kwh must be >= 0, was %s", usageKwh);
        }
        double bound = rules.maxPowerKw() * interval / 3600.0;
        if (usageKwh > bound) {
            return invalid(RejectReason.USAGE_IMPLAUSIBLE,
                    "usage_kwh %s is implausible for a %d s interval (at most %s kWh, i.e. %s kW average)",
                    usageKwh, interval, bound, rules.maxPowerKw());
        }
        if (timestamp == null) {
            return invalid(RejectReason.TIMESTAMP_MISSING, "timestamp is required (end of the measurement interval)");
        }
        Instant now = clock.instant();
        if (timestamp.isAfter(now.plus(rules.maxFutureSkew()))) {
            return invalid(RejectReason.TIMESTAMP_IN_FUTURE,
                    "timestamp %s is more than %s ahead of the platform clock (%s)", timestamp, rules.maxFutureSkew(), now);
        }
        if (timestamp.isBefore(now.minus(rules.maxAge()))) {
            return invalid(RejectReason.TIMESTAMP_TOO_OLD,
                    "timestamp %s is older than the accepted horizon of %s", timestamp, rules.maxAge());
        }
        return new ValidationResult.Valid(
                new MeterReading(deviceId, timestamp, Energy.toMwh(usageKwh), seq, (int) interval));
    }

    private static ValidationResult invalid(RejectReason reason, String format, Object... args) {
        return new ValidationResult.Invalid(reason, String.format(java.util.Locale.ROOT, format, args));
    }
}
