package org.smartenergy.platform.domain.tariff;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * A correction of an earlier, closed period carried on a later bill, e.g. for late readings: the amount is what the
 * corrected period should have cost (taxes included) minus what was issued for it; see
 * {@link TariffEngine#adjustmentFor(Bill, Bill)}. Because it already includes that period's taxes it is added after
 * the taxes of the bill that carries it and is not taxed again.
 *
 * @param correctedPeriod the period corrected
 * @param description     why (shown on the bill, after the period)
 * @param amount          tax-inclusive, in the bill's currency; negative for a refund
 */
public record Adjustment(BillingPeriod correctedPeriod, String description, BigDecimal amount) {
    public Adjustment {
        Objects.requireNonNull(correctedPeriod, "correctedPeriod");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(amount, "amount");
    }
}
