package org.smartenergy.platform.domain;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class UsageBucketsTest {

    private static final DateTimeFormatter DAY = DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter HOUR =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH").withZone(ZoneOffset.UTC);

    @Test
    void aReadingEndingOnTheHourCountsInTheHourAndDayBefore() {
        long midnight = Instant.parse("2026-11-28T00:00:00Z").toEpochMilli();
        assertThat(UsageBuckets.day(midnight)).isEqualTo("2026-11-27");
        assertThat(UsageBuckets.hour(UsageBuckets.hourStart(midnight))).isEqualTo("2026-11-27T23");
        assertThat(UsageBuckets.day(midnight + 1)).isEqualTo("2026-11-28");
        assertThat(UsageBuckets.hour(UsageBuckets.hourStart(midnight + 1))).isEqualTo("2026-11-28T00");
        assertThat(UsageBuckets.hour(UsageBuckets.hourStart(midnight + 10 * 3_600_000L))).isEqualTo("2026-11-28T09");
    }

    @Test
    void dayAndHourTextsAreTheIsoFormsOfTheUtcDayAndHour() {
        SplittableRandom random = new SplittableRandom(42);
        long from = Instant.parse("1971-01-01T00:00:00Z").toEpochMilli();
        long to = Instant.parse("2199-12-31T23:59:59Z").toEpochMilli();
        for (int i = 0; i < 100_000; i++) {
            long end = random.nextLong(from, to);
            Instant counted = Instant.ofEpochMilli(end - 1);
            assertThat(UsageBuckets.day(end)).isEqualTo(DAY.format(counted));
            assertThat(UsageBuckets.hour(UsageBuckets.hourStart(end))).isEqualTo(HOUR.format(counted));
        }
    }
}
