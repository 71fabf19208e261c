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

    /** The smallest {@code seconds} of a valid {@code google.protobuf.Timestamp}: 0001-01-01T00:00:00Z. */
    public static final long MIN_TIMESTAMP_SECONDS = -62_135_596_800L;
    /** The largest {@code seconds} of a valid {@code google.protobuf.Timestamp}: 9999-12-31T23:59:59Z. */
    public static final long MAX_TIMESTAMP_SECONDS = 253_402_300_799L;
    /** The largest {@code nanos} of a valid {@code google.protobuf.Timestamp}. */
    public static final int MAX_TIMESTAMP_NANOS = 999_999_999;

    /**
     * Validates one reading as received, its timestamp already an {@link Instant} (null: none).
     *
     * @see #validate(String, boolean, long, int, double, long, long)
     */
    public ValidationResult validate(String deviceId, Instant timestamp, double usageKwh, long seq,
                                     long intervalSeconds) {
        return timestamp == null
                ? validate(deviceId, false, 0, 0, usageKwh, seq, intervalSeconds)
                : validate(deviceId, true, timestamp.getEpochSecond(), timestamp.getNano(), usageKwh, seq,
                intervalSeconds);
    }

    /**
     * Validates one reading as received, with the raw fields of its {@code google.protobuf.Timestamp}: they are
     * checked before anything converts them, so an out-of-range value is a rejection, never an exception or a
     * silently normalised instant ({@code Instant.ofEpochSecond(s, 1_000_000_000)} would be the next second).
     *
     * <p>The checks run in this order and the first problem found is the one reported: {@link #checkWellFormed
     * well-formedness} (device id present, timestamp present and a valid protobuf Timestamp), device id length and
     * characters, interval, usage, timestamp window.
     *
     * @param deviceId         the device id as sent (may be null or empty)
     * @param hasTimestamp     whether the reading carried a timestamp
     * @param timestampSeconds {@code timestamp.seconds} as sent (ignored without a timestamp)
     * @param timestampNanos   {@code timestamp.nanos} as sent (ignored without a timestamp)
     * @param usageKwh         energy in kWh as sent
     * @param seq              the logger's sequence number
     * @param intervalSeconds  the interval as sent; 0 means the configured default
     */
    public ValidationResult validate(String deviceId, boolean hasTimestamp, long timestampSeconds,
                                     int timestampNanos, double usageKwh, long seq, long intervalSeconds) {
        ValidationResult.Invalid malformed = checkWellFormed(deviceId, hasTimestamp, timestampSeconds,
                timestampNanos);
        if (malformed != null) {
            return malformed;
        }
        if (deviceId.length() > ValidationRules.MAX_DEVICE_ID_LENGTH) {
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
        Instant timestamp = Instant.ofEpochSecond(timestampSeconds, timestampNanos); // in range: checked above
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

    /**
     * The checks that need no rules and no clock, shared by the gateway (which answers them without forwarding the
     * reading) and ingestion: a device id is present, a timestamp is present and is a valid
     * {@code google.protobuf.Timestamp} (nanos in [0, {@value #MAX_TIMESTAMP_NANOS}], seconds in
     * [{@value #MIN_TIMESTAMP_SECONDS}, {@value #MAX_TIMESTAMP_SECONDS}], i.e. 0001-01-01 to 9999-12-31 UTC).
     *
     * @return the first problem found, or null when there is none
     */
    public static ValidationResult.Invalid checkWellFormed(String deviceId, boolean hasTimestamp,
                                                           long timestampSeconds, int timestampNanos) {
        if (deviceId == null || deviceId.isEmpty()) {
            return invalid(RejectReason.DEVICE_ID_INVALID, "device_id is required");
        }
        if (!hasTimestamp) {
            return invalid(RejectReason.TIMESTAMP_MISSING, "timestamp is required (end of the measurement interval)");
        }
        if (timestampNanos < 0 || timestampNanos > MAX_TIMESTAMP_NANOS) {
            return invalid(RejectReason.TIMESTAMP_INVALID,
                    "timestamp.nanos must be 0 to %d, was %d", MAX_TIMESTAMP_NANOS, timestampNanos);
        }
        if (timestampSeconds < MIN_TIMESTAMP_SECONDS || timestampSeconds > MAX_TIMESTAMP_SECONDS) {
            return invalid(RejectReason.TIMESTAMP_INVALID,
                    "timestamp.seconds must be %d to %d (0001-01-01 to 9999-12-31 UTC), was %d",
                    MIN_TIMESTAMP_SECONDS, MAX_TIMESTAMP_SECONDS, timestampSeconds);
        }
        return null;
    }

    private static ValidationResult.Invalid invalid(RejectReason reason, String format, Object... args) {
        return new ValidationResult.Invalid(reason, String.format(java.util.Locale.ROOT, format, args));
    }
}
