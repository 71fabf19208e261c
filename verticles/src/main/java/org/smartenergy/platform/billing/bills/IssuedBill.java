package org.smartenergy.platform.billing.bills;

import org.smartenergy.platform.domain.tariff.Bill;
import org.smartenergy.platform.domain.tariff.BillView;
import org.smartenergy.platform.domain.tariff.BillingPeriod;
import org.smartenergy.platform.domain.tariff.CorrectionBaselines;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * An issued bill as stored in the {@code bills} collection; never changes once stored.
 *
 * @param deviceId    the device billed
 * @param bill        the bill as issued, adjustment lines included
 * @param corrections for each adjustment line of {@code bill} (same order): the corrected period re-rated with the
 *                    readings known when this bill was issued. It is the baseline of any later correction of that
 *                    period, so a change already charged is never charged again.
 * @param issuedAt    when it was issued
 */
public record IssuedBill(String deviceId, Bill bill, List<Bill> corrections, Instant issuedAt) {

    public IssuedBill {
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(bill, "bill");
        Objects.requireNonNull(issuedAt, "issuedAt");
        corrections = List.copyOf(corrections);
        if (corrections.size() != bill.adjustmentLines().size()) {
            throw new IllegalArgumentException("one correction per adjustment line is needed");
        }
    }

    /** @return the unique id of a device's bill for a period: {@code <deviceId>|<period start>} */
    public static String id(String deviceId, BillingPeriod period) {
        return deviceId + "|" + period.start();
    }

    /** @return the re-rated bill this bill's correction of {@code period} was computed from, or null */
    public Bill correctionOf(BillingPeriod period) {
        return CorrectionBaselines.correctionOf(corrections, period);
    }

    /** @return this bill as the correction rules see it ({@link CorrectionBaselines}) */
    public CorrectionBaselines.Issued issued() {
        return new CorrectionBaselines.Issued(bill, corrections);
    }

    /** @return the bill as the API shows it */
    public BillView view() {
        return new BillView(deviceId, bill, BillView.Status.ISSUED, issuedAt,
                corrections.stream().map(Bill::period).toList());
    }
}
