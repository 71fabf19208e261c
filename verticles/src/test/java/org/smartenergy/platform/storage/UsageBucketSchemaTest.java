package org.smartenergy.platform.storage;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The composed names of the hour-bucket document, as stored data already spells them. */
class UsageBucketSchemaTest {

    @Test
    void bucketIdIsTheDeviceAndTheUtcHour() {
        // GIVEN the hour starting 2026-11-27T09:00Z
        long hourStart = Instant.parse("2026-11-27T09:00:00Z").toEpochMilli();
        // WHEN its bucket id is formed THEN it is <device>|yyyy-MM-ddTHH
        assertThat(UsageBucketSchema.id("meter-1", hourStart)).isEqualTo("meter-1|2026-11-27T09");
    }

    @Test
    void readingAndQuarterPathsAreDottedUnderTheirMaps() {
        assertThat(UsageBucketSchema.reading(1_764_234_900_000L)).isEqualTo("readings.1764234900000");
        // quarters are two digits, so 0-9 sort and match the stored keys 00-09
        assertThat(UsageBucketSchema.quarter(7)).isEqualTo("quarters.07");
        assertThat(UsageBucketSchema.quarter(95)).isEqualTo("quarters.95");
        assertThat(UsageBucketSchema.ref(UsageBucketSchema.TOTAL)).isEqualTo("$total");
    }

    @Test
    void readingsLiveInTheHourCollectionsNameWithSuffixReadings() {
        // GIVEN the default hour collection WHEN its readings collection is named THEN it is <name>_readings
        assertThat(UsageBucketSchema.readingsCollection("usage_hours")).isEqualTo("usage_hours_readings");
    }

    @Test
    void twoDigitsPadsOnlySingleDigits() {
        assertThat(UsageBucketSchema.twoDigits(0)).isEqualTo("00");
        assertThat(UsageBucketSchema.twoDigits(9)).isEqualTo("09");
        assertThat(UsageBucketSchema.twoDigits(10)).isEqualTo("10");
        assertThat(UsageBucketSchema.twoDigits(42)).isEqualTo("42");
    }
}
