package org.smartenergy.platform.domain;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Specification of {@link ReadingValidator} with the default {@link ValidationRules} and a fixed clock.
 */
class ReadingValidatorTest {

    private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
    private static final ReadingValidator VALIDATOR =
            new ReadingValidator(ValidationRules.DEFAULTS, Clock.fixed(NOW, ZoneOffset.UTC));
    private static final Instant TS = NOW.minusSeconds(60);

    private static ValidationResult validate(String deviceId, Instant timestamp, double kwh, long interval) {
        return VALIDATOR.validate(deviceId, timestamp, kwh, 7, interval);
    }

    private static void assertRejected(ValidationResult result, RejectReason reason) {
        assertThat(result).isInstanceOf(ValidationResult.Invalid.class);
        ValidationResult.Invalid invalid = (ValidationResult.Invalid) result;
        assertThat(invalid.reason()).isEqualTo(reason);
        assertThat(invalid.message()).isNotBlank();
    }

    private static MeterReading assertValid(ValidationResult result) {
        assertThat(result).isInstanceOf(ValidationResult.Valid.class);
        return ((ValidationResult.Valid) result).reading();
    }

    @Test
    void acceptsPlainReadingAndConvertsItToMilliwattHours() {
        // GIVEN a reading of 0.25 kWh over 15 minutes, a minute old
        // WHEN validated
        MeterReading reading = assertValid(validate("meter-1", TS, 0.25, 900));
        // THEN it carries the energy in mWh and all other fields unchanged
        assertThat(reading.deviceId()).isEqualTo("meter-1");
        assertThat(reading.timestamp()).isEqualTo(TS);
        assertThat(reading.usageMwh()).isEqualTo(250_000L);
        assertThat(reading.seq()).isEqualTo(7);
        assertThat(reading.intervalSeconds()).isEqualTo(900);
    }

    @Test
    void intervalZeroMeansTheDefaultInterval() {
        // GIVEN interval 0 WHEN validated THEN the default (900 s) is used, also for the plausibility bound
        assertThat(assertValid(validate("m", TS, 250.0, 0)).intervalSeconds()).isEqualTo(900);
        assertRejected(validate("m", TS, 250.001, 0), RejectReason.USAGE_IMPLAUSIBLE);
    }

    @Test
    void acceptsExactlyThePlausibilityBoundAndRejectsJustAbove() {
        // GIVEN 1000 kW over 900 s = 250 kWh
        assertValid(validate("m", TS, 250.0, 900));
        // WHEN just above THEN implausible
        assertRejected(validate("m", TS, Math.nextUp(250.0), 900), RejectReason.USAGE_IMPLAUSIBLE);
        // and the bound scales with the interval: 1000 kW over 3600 s = 1000 kWh
        assertValid(validate("m", TS, 1000.0, 3600));
        assertRejected(validate("m", TS, 1000.01, 3600), RejectReason.USAGE_IMPLAUSIBLE);
    }

    @Test
    void acceptsZeroUsageAndRejectsNegativeUsage() {
        assertThat(assertValid(validate("m", TS, 0.0, 900)).usageMwh()).isZero();
        assertRejected(validate("m", TS, -0.001, 900), RejectReason.USAGE_NEGATIVE);
        assertRejected(validate("m", TS, -Double.MIN_VALUE, 900), RejectReason.USAGE_NEGATIVE);
    }

    @ParameterizedTest
    @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void rejectsNonFiniteUsage(double usage) {
        assertRejected(validate("m", TS, usage, 900), RejectReason.USAGE_NOT_FINITE);
    }

    @Test
    void acceptsDeviceIdOf64CharactersAndRejects65() {
        assertValid(validate("d".repeat(64), TS, 1, 900));
        assertRejected(validate("d".repeat(65), TS, 1, 900), RejectReason.DEVICE_ID_INVALID);
    }

    @Test
    void rejectsMissingEmptyBlankOrControlCharacterDeviceIds() {
        assertRejected(validate(null, TS, 1, 900), RejectReason.DEVICE_ID_INVALID);
        assertRejected(validate("", TS, 1, 900), RejectReason.DEVICE_ID_INVALID);
        assertRejected(validate("   ", TS, 1, 900), RejectReason.DEVICE_ID_INVALID);
        assertRejected(validate("meter\n1", TS, 1, 900), RejectReason.DEVICE_ID_INVALID);
        assertValid(validate("x", TS, 1, 900));
    }

    @Test
    void rejectsMissingTimestamp() {
        assertRejected(validate("m", null, 1, 900), RejectReason.TIMESTAMP_MISSING);
    }

    @Test
    void emptyOrMissingDeviceIdIsReportedAsRequired() {
        for (String id : new String[] {null, ""}) {
            ValidationResult.Invalid invalid = (ValidationResult.Invalid) validate(id, TS, 1, 900);
            assertThat(invalid.reason()).isEqualTo(RejectReason.DEVICE_ID_INVALID);
            assertThat(invalid.message()).isEqualTo("device_id is required");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 1_000_000_000, Integer.MIN_VALUE, Integer.MAX_VALUE})
    void rejectsTimestampNanosOutsideTheProtobufRangeInsteadOfNormalisingThem(int nanos) {
        // WHEN the raw Timestamp carries nanos outside [0, 999999999] (Instant.ofEpochSecond would carry them over)
        ValidationResult result = VALIDATOR.validate("m", true, TS.getEpochSecond(), nanos, 1, 7, 900);
        // THEN it is rejected as an invalid timestamp, naming the field
        assertRejected(result, RejectReason.TIMESTAMP_INVALID);
        assertThat(((ValidationResult.Invalid) result).message()).startsWith("timestamp.nanos must be 0 to 999999999");
    }

    @Test
    void acceptsTheNanosBoundsOfAProtobufTimestamp() {
        assertValid(VALIDATOR.validate("m", true, TS.getEpochSecond(), 0, 1, 7, 900));
        assertThat(assertValid(VALIDATOR.validate("m", true, TS.getEpochSecond(), 999_999_999, 1, 7, 900))
                .timestamp()).isEqualTo(TS.plusMillis(999));
    }

    @ParameterizedTest
    @ValueSource(longs = {-62_135_596_801L, 253_402_300_800L, Long.MIN_VALUE, Long.MAX_VALUE})
    void rejectsTimestampSecondsOutsideYearsOneToNineThousandNineHundredNinetyNine(long seconds) {
        // WHEN seconds lie outside [0001-01-01, 9999-12-31] (Long.MIN/MAX would overflow an Instant or millis)
        ValidationResult result = VALIDATOR.validate("m", true, seconds, 0, 1, 7, 900);
        // THEN a rejection naming the range, not an exception
        assertRejected(result, RejectReason.TIMESTAMP_INVALID);
        assertThat(((ValidationResult.Invalid) result).message()).startsWith("timestamp.seconds must be");
    }

    @Test
    void timestampsAtTheEdgesOfTheProtobufRangeAreWellFormedButOutsideTheWindow() {
        assertRejected(VALIDATOR.validate("m", true, ReadingValidator.MIN_TIMESTAMP_SECONDS, 0, 1, 7, 900),
                RejectReason.TIMESTAMP_TOO_OLD);
        assertRejected(VALIDATOR.validate("m", true, ReadingValidator.MAX_TIMESTAMP_SECONDS, 999_999_999, 1, 7, 900),
                RejectReason.TIMESTAMP_IN_FUTURE);
    }

    @Test
    void wellFormednessIsCheckedBeforeTheRules() {
        // GIVEN a reading with negative usage AND an invalid timestamp: the malformed timestamp is what is reported
        assertRejected(VALIDATOR.validate("m", true, TS.getEpochSecond(), -1, -5, 7, 900),
                RejectReason.TIMESTAMP_INVALID);
        assertThat(ReadingValidator.checkWellFormed("m", true, TS.getEpochSecond(), 5)).isNull();
        assertThat(ReadingValidator.checkWellFormed("m", false, 0, 0).reason())
                .isEqualTo(RejectReason.TIMESTAMP_MISSING);
    }

    @Test
    void acceptsTimestampUpToTheFutureSkewAndRejectsBeyond() {
        // GIVEN the default skew of 5 minutes
        assertValid(validate("m", NOW.plus(Duration.ofMinutes(5)), 1, 900));
        assertRejected(validate("m", NOW.plus(Duration.ofMinutes(5)).plusMillis(1), 1, 900),
                RejectReason.TIMESTAMP_IN_FUTURE);
    }

    @Test
    void acceptsTimestampAtTheHorizonAndRejectsOlder() {
        // GIVEN the default horizon of 90 days
        assertValid(validate("m", NOW.minus(Duration.ofDays(90)), 1, 900));
        assertRejected(validate("m", NOW.minus(Duration.ofDays(90)).minusMillis(1), 1, 900),
                RejectReason.TIMESTAMP_TOO_OLD);
    }

    @Test
    void acceptsIntervalsWithinTheLimitsAndRejectsOutside() {
        assertThat(assertValid(validate("m", TS, 0, 1)).intervalSeconds()).isEqualTo(1);
        assertThat(assertValid(validate("m", TS, 0, 86_400)).intervalSeconds()).isEqualTo(86_400);
        assertRejected(validate("m", TS, 0, 86_401), RejectReason.INTERVAL_INVALID);
        assertRejected(validate("m", TS, 0, -1), RejectReason.INTERVAL_INVALID);
        assertRejected(validate("m", TS, 0, 4_294_967_295L), RejectReason.INTERVAL_INVALID);
    }

    @Test
    void truncatesTimestampToTheMillisecond() {
        Instant precise = TS.plusNanos(123_456_789);
        assertThat(assertValid(validate("m", precise, 1, 900)).timestamp()).isEqualTo(TS.plusMillis(123));
    }

    @Test
    void honoursConfiguredRules() {
        // GIVEN tighter rules: 10 kW, no future skew, 1 day horizon, intervals 60..3600, default 60
        ReadingValidator strict = new ReadingValidator(
                new ValidationRules(10, Duration.ZERO, Duration.ofDays(1), 60, 60, 3600),
                Clock.fixed(NOW, ZoneOffset.UTC));
        // THEN the bound for the default interval is 10 kW * 60 s = 1/6 kWh
        assertThat(strict.validate("m", NOW, 0.16, 1, 0)).isInstanceOf(ValidationResult.Valid.class);
        assertRejected(strict.validate("m", NOW, 0.17, 1, 0), RejectReason.USAGE_IMPLAUSIBLE);
        assertRejected(strict.validate("m", NOW.plusMillis(1), 0, 1, 0), RejectReason.TIMESTAMP_IN_FUTURE);
        assertRejected(strict.validate("m", NOW, 0, 1, 59), RejectReason.INTERVAL_INVALID);
        assertRejected(strict.validate("m", NOW.minus(Duration.ofDays(1)).minusMillis(1), 0, 1, 0),
                RejectReason.TIMESTAMP_TOO_OLD);
    }
}
