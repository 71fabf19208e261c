package org.smartenergy.platform.domain.tariff;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;

/**
 * Monthly billing on an anchor day: a period runs from 00:00 local time on the anchor day of month M to 00:00 local
 * time on the anchor day of month M+1, in the tariff's zone. The anchor day is 1 to 28 so every month has it.
 *
 * @param anchorDay day of month the periods start on, 1 to 28
 */
public record BillingCycle(int anchorDay) {

    /** @return the full billing period that contains the local date {@code day} */
    public BillingPeriod periodContaining(LocalDate day) {
        if (anchorDay < 1 || anchorDay > 28) {
            throw new IllegalStateException("anchor day must be 1 to 28, was " + anchorDay);
        }
        LocalDate start = day.withDayOfMonth(anchorDay);
        if (start.isAfter(day)) {
            start = start.minusMonths(1);
        }
        return new BillingPeriod(start, start.plusMonths(1));
    }

    /** @return the full billing period that contains {@code instant}, seen in {@code zone} */
    public BillingPeriod periodContaining(Instant instant, ZoneId zone) {
        return periodContaining(instant.atZone(zone).toLocalDate());
    }
}
