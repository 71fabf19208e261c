package org.smartenergy.platform.domain.tariff;

import java.math.BigDecimal;
import java.util.Currency;
import java.util.List;
import java.util.Objects;

/**
 * The result of rating one period. {@code subtotal} is the sum of {@code lines} (already rounded), each tax line is
 * computed on that subtotal, and {@code total = subtotal + taxTotal + adjustmentTotal}.
 *
 * @param tariffId        the tariff rated with
 * @param tariffVersion   its version
 * @param period          the period rated (may be partial)
 * @param currency        currency of every amount
 * @param lines           charge lines: energy, riders, standing charge, demand (lines with zero quantity are left out)
 * @param subtotal        sum of {@code lines}
 * @param taxLines        one per tax of the tariff
 * @param taxTotal        sum of {@code taxLines}
 * @param adjustmentLines corrections of earlier periods, tax-inclusive, not taxed again
 * @param adjustmentTotal sum of {@code adjustmentLines}
 * @param total           subtotal + taxTotal + adjustmentTotal
 * @param totalKwh        energy of the period (scale 6, exact)
 * @param readingCount    distinct readings (after de-duplication) whose interval overlaps the period
 */
public record Bill(String tariffId, int tariffVersion, BillingPeriod period, Currency currency, List<BillLine> lines,
                   BigDecimal subtotal, List<BillLine> taxLines, BigDecimal taxTotal, List<BillLine> adjustmentLines,
                   BigDecimal adjustmentTotal, BigDecimal total, BigDecimal totalKwh, int readingCount) {

    public Bill {
        Objects.requireNonNull(tariffId, "tariffId");
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(currency, "currency");
        lines = List.copyOf(lines);
        taxLines = List.copyOf(taxLines);
        adjustmentLines = List.copyOf(adjustmentLines);
    }

    /** @return what this period itself costs, taxes included, without corrections of other periods */
    public BigDecimal periodCharges() {
        return subtotal.add(taxTotal);
    }
}
