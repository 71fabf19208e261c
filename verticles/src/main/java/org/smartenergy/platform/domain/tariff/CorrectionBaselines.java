package org.smartenergy.platform.domain.tariff;

import java.util.List;
import java.util.Objects;

/**
 * Which issued bills a new bill re-checks for late readings, and what each re-rated period is compared with (its
 * <em>baseline</em>), so a change is charged once: after it was carried on one bill, the next bill only sees later
 * changes. Pure rules over the issued bills; re-rating and storing are the caller's.
 */
public final class CorrectionBaselines {

    /**
     * An issued bill as these rules see it.
     *
     * @param bill        the bill as issued, adjustment lines included
     * @param corrections for each adjustment line of {@code bill}: the corrected period re-rated when it was issued
     */
    public record Issued(Bill bill, List<Bill> corrections) {
        public Issued {
            Objects.requireNonNull(bill, "bill");
            corrections = List.copyOf(corrections);
        }

        /** @return the re-rated bill this bill's correction of {@code period} was computed from, or null */
        public Bill correctionOf(BillingPeriod period) {
            return CorrectionBaselines.correctionOf(corrections, period);
        }
    }

    private CorrectionBaselines() {
    }

    /** @return the bill among {@code corrections} for {@code period}, or null */
    public static Bill correctionOf(List<Bill> corrections, BillingPeriod period) {
        for (Bill b : corrections) {
            if (b.period().equals(period)) {
                return b;
            }
        }
        return null;
    }

    /** @return the issued bills of periods starting before {@code period}, in the given (newest first) order */
    public static List<Issued> before(List<Issued> newestFirst, BillingPeriod period) {
        return newestFirst.stream().filter(b -> b.bill().period().start().isBefore(period.start())).toList();
    }

    /** @return the first {@code max} of {@code newestFirst}: the periods a new bill re-checks */
    public static List<Issued> adjustable(List<Issued> newestFirst, int max) {
        return newestFirst.subList(0, Math.min(max, newestFirst.size()));
    }

    /**
     * The baseline of {@code issued}'s period: the newest correction of that period carried by a later bill of
     * {@code newestFirst}, else the issued bill itself.
     */
    public static Bill baseline(Issued issued, List<Issued> newestFirst) {
        BillingPeriod period = issued.bill().period();
        for (Issued later : newestFirst) {
            if (!later.bill().period().start().isAfter(period.start())) {
                break;
            }
            Bill correction = later.correctionOf(period);
            if (correction != null) {
                return correction;
            }
        }
        return issued.bill();
    }
}
