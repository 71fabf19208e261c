package org.smartenergy.platform.billing.bills;

import org.smartenergy.platform.domain.tariff.Bill;
import org.smartenergy.platform.domain.tariff.BillingPeriod;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A bill as the API shows it: the rated {@link Bill} plus whose it is and where it stands.
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

    /** Life cycle of a bill. */
    public enum Status { OPEN, ISSUED }
}
