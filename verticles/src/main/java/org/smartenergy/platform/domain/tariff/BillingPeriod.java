package org.smartenergy.platform.domain.tariff;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * A span of local calendar days, {@code [start, end)}: from 00:00 local time on {@code start} up to (not including)
 * 00:00 local time on {@code end}, in the zone of the tariff it is rated with. A full period is one cycle of the
 * tariff's {@link BillingCycle}; a partial period (move-in, move-out, tariff change) is a sub-span of one cycle.
 *
 * @param start first day of the period (inclusive)
 * @param end   day after the last day of the period (exclusive)
 */
public record BillingPeriod(LocalDate start, LocalDate end) {

    public BillingPeriod {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        if (!end.isAfter(start)) {
            throw new IllegalArgumentException("billing period must end after it starts: " + start + " to " + end);
        }
    }

    /** @return the number of calendar days in the period (a 23- or 25-hour DST day counts as one day) */
    public long days() {
        return ChronoUnit.DAYS.between(start, end);
    }

    /** @return the instant the period starts: 00:00 local on {@code start} (or the first valid instant of that day) */
    public Instant startInstant(ZoneId zone) {
        return start.atStartOfDay(zone).toInstant();
    }

    /** @return the instant the period ends (exclusive): 00:00 local on {@code end} */
    public Instant endInstant(ZoneId zone) {
        return end.atStartOfDay(zone).toInstant();
    }

    /** @return true if {@code other} lies entirely within this period */
    public boolean encloses(BillingPeriod other) {
        return !other.start.isBefore(start) && !other.end.isAfter(end);
    }

    @Override
    public String toString() {
        return start + " to " + end;
    }
}
