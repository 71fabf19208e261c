package org.smartenergy.platform.domain.tariff;

import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Objects;

/**
 * A bill as the services hand it to the edges: the rated {@link Bill} plus whose it is and where it stands. Each edge
 * maps it to its own wire form (the operator API's JSON, the {@code energy.v1.Bill} message); billing's cache keeps
 * its own encoding.
 *
 * @param deviceId         the device billed
 * @param bill             the rated bill
 * @param status           open (running, changes as readings arrive) or issued (final)
 * @param issuedAt         when it was issued, null while open
 * @param correctedPeriods the period each adjustment line of {@code bill} corrects, in the same order
 */
public record BillView(String deviceId, Bill bill, Status status, Instant issuedAt,
                       List<BillingPeriod> correctedPeriods) {

    public BillView {
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(bill, "bill");
        Objects.requireNonNull(status, "status");
        correctedPeriods = List.copyOf(correctedPeriods);
    }

    /** @return the name of the bill's period: the month its first day falls in, {@code yyyy-MM} */
    public String periodName() {
        return periodName(bill.period());
    }

    /** @return the name of a period: the month its first day falls in, {@code yyyy-MM} */
    public static String periodName(BillingPeriod period) {
        return YearMonth.from(period.start()).toString();
    }

    /** Life cycle of a bill. */
    public enum Status { OPEN, ISSUED }
}
