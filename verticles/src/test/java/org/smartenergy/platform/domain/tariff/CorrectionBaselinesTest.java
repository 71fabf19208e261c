package org.smartenergy.platform.domain.tariff;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.flat;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.period;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.reading;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.tariff;

/**
 * What a new bill compares a re-rated period with: the newest correction of that period a later bill carried, else
 * the issued bill. UTC, monthly from the 1st, flat 0.20/kWh.
 */
class CorrectionBaselinesTest {

    private static final Tariff T = tariff().energy(flat("0.20")).build();
    private static final BillingPeriod JAN = period("2026-01-01", "2026-02-01");
    private static final BillingPeriod FEB = period("2026-02-01", "2026-03-01");
    private static final BillingPeriod MAR = period("2026-03-01", "2026-04-01");

    /** January rated with {@code kwh} in one reading. */
    private static Bill january(String kwh) {
        return TariffEngine.rate(T, JAN, List.of(reading("2026-01-10T12:00:00Z", 3600, kwh)));
    }

    private static Bill empty(BillingPeriod period) {
        return TariffEngine.rate(T, period, List.of());
    }

    @Test
    void withoutALaterCorrectionTheBaselineIsTheIssuedBill() {
        // GIVEN January issued with 10 kWh and February issued without correcting it
        CorrectionBaselines.Issued jan = new CorrectionBaselines.Issued(january("10"), List.of());
        CorrectionBaselines.Issued feb = new CorrectionBaselines.Issued(empty(FEB), List.of());
        // WHEN January's baseline is taken THEN it is January's issued bill
        assertThat(CorrectionBaselines.baseline(jan, List.of(feb, jan))).isEqualTo(jan.bill());
    }

    @Test
    void theBaselineIsTheNewestCorrectionALaterBillCarried() {
        // GIVEN January issued with 10 kWh, corrected to 12 kWh on February's bill and to 15 kWh on March's
        Bill rerated12 = january("12");
        Bill rerated15 = january("15");
        CorrectionBaselines.Issued jan = new CorrectionBaselines.Issued(january("10"), List.of());
        CorrectionBaselines.Issued feb = new CorrectionBaselines.Issued(empty(FEB), List.of(rerated12));
        CorrectionBaselines.Issued mar = new CorrectionBaselines.Issued(empty(MAR), List.of(rerated15));
        // WHEN January's baseline is taken with all three, and with only the first two
        // THEN it is the newest correction: a change already charged is not charged again
        assertThat(CorrectionBaselines.baseline(jan, List.of(mar, feb, jan))).isEqualTo(rerated15);
        assertThat(CorrectionBaselines.baseline(jan, List.of(feb, jan))).isEqualTo(rerated12);
    }

    @Test
    void aCorrectionCarriedByTheSameOrAnEarlierPeriodIsNoBaseline() {
        // GIVEN February issued, and (wrongly placed) a January bill carrying a correction of February
        Bill febRerated = TariffEngine.rate(T, FEB, List.of(reading("2026-02-10T12:00:00Z", 3600, "3")));
        CorrectionBaselines.Issued feb = new CorrectionBaselines.Issued(empty(FEB), List.of());
        CorrectionBaselines.Issued jan = new CorrectionBaselines.Issued(january("10"), List.of(febRerated));
        // WHEN February's baseline is taken THEN only later bills count: it is February's issued bill
        assertThat(CorrectionBaselines.baseline(feb, List.of(feb, jan))).isEqualTo(feb.bill());
    }

    @Test
    void onlyBillsOfEarlierPeriodsAreAdjustedAndAtMostTheLimit() {
        CorrectionBaselines.Issued jan = new CorrectionBaselines.Issued(january("10"), List.of());
        CorrectionBaselines.Issued feb = new CorrectionBaselines.Issued(empty(FEB), List.of());
        CorrectionBaselines.Issued mar = new CorrectionBaselines.Issued(empty(MAR), List.of());
        List<CorrectionBaselines.Issued> newestFirst = List.of(mar, feb, jan);
        // WHEN February's bill is made THEN only January comes before it
        assertThat(CorrectionBaselines.before(newestFirst, FEB)).containsExactly(jan);
        // AND of the bills before April, the newest two are re-checked with a limit of two
        assertThat(CorrectionBaselines.adjustable(
                CorrectionBaselines.before(newestFirst, period("2026-04-01", "2026-05-01")), 2))
                .containsExactly(mar, feb);
        assertThat(CorrectionBaselines.correctionOf(List.of(january("12")), FEB)).isNull();
    }
}
