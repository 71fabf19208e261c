package org.smartenergy.platform.domain.tariff;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

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

    /**
     * The billing periods of a supply running from 00:00 local on {@code from} to 00:00 local on {@code to}: each
     * billing cycle the supply touches, cut to the supply. A supply starting or ending inside a cycle therefore gives
     * a partial first or last period (move-in, move-out, change of tariff); a supply inside one cycle gives one
     * partial period.
     *
     * @param from first day of supply (inclusive)
     * @param to   day the supply ends (exclusive), after {@code from}
     * @return the periods in order; they cover {@code [from, to)} exactly, each within one cycle
     */
    public List<BillingPeriod> periods(LocalDate from, LocalDate to) {
        if (!to.isAfter(from)) {
            throw new IllegalArgumentException("a supply must end after it starts: " + from + " to " + to);
        }
        List<BillingPeriod> periods = new ArrayList<>();
        LocalDate start = from;
        while (start.isBefore(to)) {
            LocalDate cycleEnd = periodContaining(start).end();
            LocalDate end = cycleEnd.isAfter(to) ? to : cycleEnd;
            periods.add(new BillingPeriod(start, end));
            start = end;
        }
        return periods;
    }
}
