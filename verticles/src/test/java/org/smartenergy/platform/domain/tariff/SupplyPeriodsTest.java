package org.smartenergy.platform.domain.tariff;

import org.junit.jupiter.api.Test;
import org.smartenergy.platform.domain.MeterReading;

import java.time.LocalDate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.d;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.flat;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.period;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.reading;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.tariff;

/**
 * Billing from the assignment, by hand: a supply (move-in, change of tariff, move-out) is cut into billing periods
 * by {@link BillingCycle#periods}, and each partial period is rated for its own days and its own readings. UTC,
 * monthly from the 1st; January 2026 has 31 days.
 *
 * <p>Tariff A: tiered with prorated thresholds, first 100 kWh at 0.10, up to 300 kWh at 0.15, the rest at 0.20,
 * standing 0.50/day. Tariff B: flat 0.30/kWh, standing 0.40/day.
 */
class SupplyPeriodsTest {

    private static final Tariff A = tariff().energy(new EnergyCharge.Tiered(List.of(
                    new EnergyCharge.Tier(d("100"), d("0.10")),
                    new EnergyCharge.Tier(d("300"), d("0.15")),
                    new EnergyCharge.Tier(null, d("0.20"))), true))
            .standing("0.50").build();
    private static final Tariff B = tariff().energy(flat("0.30")).standing("0.40").build();

    @Test
    void aSupplyIsCutIntoTheCyclesItTouchesWithPartialFirstAndLastPeriods() {
        BillingCycle monthly = new BillingCycle(1);
        // move-in 22 January, move-out 11 March (last day supplied: 10 March)
        assertThat(monthly.periods(LocalDate.parse("2026-01-22"), LocalDate.parse("2026-03-11"))).containsExactly(
                period("2026-01-22", "2026-02-01"), period("2026-02-01", "2026-03-01"),
                period("2026-03-01", "2026-03-11"));
        // inside one cycle: one partial period
        assertThat(monthly.periods(LocalDate.parse("2026-01-05"), LocalDate.parse("2026-01-09")))
                .containsExactly(period("2026-01-05", "2026-01-09"));
        // anchored on the 15th: 20 January to 3 March = [20 Jan, 15 Feb), [15 Feb, 3 Mar)
        assertThat(new BillingCycle(15).periods(LocalDate.parse("2026-01-20"), LocalDate.parse("2026-03-03")))
                .containsExactly(period("2026-01-20", "2026-02-15"), period("2026-02-15", "2026-03-03"));
        assertThatThrownBy(() -> monthly.periods(LocalDate.parse("2026-01-05"), LocalDate.parse("2026-01-05")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void moveInMidCycleBillsOnlyItsOwnDaysAndReadingsWithProratedTiers() {
        // GIVEN a move-in on 22 January: first period 22 Jan to 1 Feb = 10 of January's 31 days
        BillingPeriod first = new BillingCycle(1).periods(LocalDate.parse("2026-01-22"), LocalDate.parse("2026-02-01"))
                .get(0);
        List<MeterReading> readings = List.of(
                reading("2026-01-21T12:00:00Z", 3600, "50"),   // before the move-in: not this customer's
                reading("2026-01-22T00:30:00Z", 3600, "2"),    // 23:30-00:30: only the half after 00:00 counts, 1 kWh
                reading("2026-01-25T12:00:00Z", 3600, "60"));

        // WHEN rated
        Bill bill = TariffEngine.rate(A, first, readings);

        // THEN energy 1 + 60 = 61 kWh from 2 readings; thresholds 100 x 10/31 = 32.258065, 300 x 10/31 = 96.774194
        //   tier 1: 32.258065 x 0.10 = 3.2258065 -> 3.23
        //   tier 2: 61 - 32.258065 = 28.741935 x 0.15 = 4.31129025 -> 4.31
        //   standing 10 days x 0.50 = 5.00
        //   total 3.23 + 4.31 + 5.00 = 12.54
        assertThat(bill.readingCount()).isEqualTo(2);
        assertThat(bill.totalKwh()).isEqualByComparingTo("61");
        assertThat(bill.lines()).extracting(BillLine::kind, BillLine::quantity, BillLine::amount).containsExactly(
                org.assertj.core.groups.Tuple.tuple(BillLine.Kind.ENERGY, d("32.258065"), d("3.23")),
                org.assertj.core.groups.Tuple.tuple(BillLine.Kind.ENERGY, d("28.741935"), d("4.31")),
                org.assertj.core.groups.Tuple.tuple(BillLine.Kind.STANDING, d("10"), d("5.00")));
        assertThat(bill.lines().get(2).description()).isEqualTo("Standing charge, 10 days");
        assertThat(bill.total()).isEqualTo(d("12.54"));
    }

    @Test
    void moveOutMidCycleClosesAPartialLastPeriodWithoutTheReadingsAfterIt() {
        // GIVEN a supply from 1 December to a move-out on 11 January (last day supplied 10 January)
        List<BillingPeriod> periods = new BillingCycle(1).periods(LocalDate.parse("2025-12-01"),
                LocalDate.parse("2026-01-11"));
        assertThat(periods).containsExactly(period("2025-12-01", "2026-01-01"), period("2026-01-01", "2026-01-11"));
        List<MeterReading> readings = List.of(
                reading("2026-01-05T12:00:00Z", 3600, "40"),
                reading("2026-01-12T12:00:00Z", 3600, "30"));  // after the move-out: the next occupant's

        // WHEN the last period is rated
        Bill last = TariffEngine.rate(A, periods.get(1), readings);

        // THEN 40 kWh, 10 of 31 days: thresholds 32.258065 / 96.774194
        //   tier 1: 32.258065 x 0.10 = 3.2258065 -> 3.23
        //   tier 2: 40 - 32.258065 = 7.741935 x 0.15 = 1.16129025 -> 1.16
        //   standing 10 days x 0.50 = 5.00
        //   total 3.23 + 1.16 + 5.00 = 9.39
        assertThat(last.readingCount()).isEqualTo(1);
        assertThat(last.lines()).extracting(BillLine::quantity, BillLine::amount).containsExactly(
                org.assertj.core.groups.Tuple.tuple(d("32.258065"), d("3.23")),
                org.assertj.core.groups.Tuple.tuple(d("7.741935"), d("1.16")),
                org.assertj.core.groups.Tuple.tuple(d("10"), d("5.00")));
        assertThat(last.total()).isEqualTo(d("9.39"));
    }

    @Test
    void aMidCycleChangeOfTariffBillsEachPartWithItsOwnTariffAndTogetherTheyCoverTheCycle() {
        // GIVEN tariff A until 15 January, tariff B from 15 January
        BillingCycle monthly = new BillingCycle(1);
        BillingPeriod oldPart = monthly.periods(LocalDate.parse("2026-01-01"), LocalDate.parse("2026-01-15")).get(0);
        BillingPeriod newPart = monthly.periods(LocalDate.parse("2026-01-15"), LocalDate.parse("2026-02-01")).get(0);
        List<MeterReading> readings = List.of(
                reading("2026-01-10T12:00:00Z", 3600, "50"),
                reading("2026-01-15T00:30:00Z", 3600, "2"),    // 23:30-00:30 across the change: 1 kWh each side
                reading("2026-01-20T12:00:00Z", 3600, "20"));

        // WHEN each part is rated with its tariff
        Bill a = TariffEngine.rate(A, oldPart, readings);
        Bill b = TariffEngine.rate(B, newPart, readings);

        // THEN part A, 1 to 15 January = 14 days, 50 + 1 = 51 kWh; thresholds 100 x 14/31 = 45.161290,
        //   300 x 14/31 = 135.483871
        //   tier 1: 45.161290 x 0.10 = 4.5161290 -> 4.52
        //   tier 2: 51 - 45.161290 = 5.838710 x 0.15 = 0.8758065 -> 0.88
        //   standing 14 days x 0.50 = 7.00
        //   total 4.52 + 0.88 + 7.00 = 12.40
        assertThat(a.tariffId()).isEqualTo(A.id());
        assertThat(a.lines()).extracting(BillLine::quantity, BillLine::amount).containsExactly(
                org.assertj.core.groups.Tuple.tuple(d("45.161290"), d("4.52")),
                org.assertj.core.groups.Tuple.tuple(d("5.838710"), d("0.88")),
                org.assertj.core.groups.Tuple.tuple(d("14"), d("7.00")));
        assertThat(a.total()).isEqualTo(d("12.40"));
        // AND part B, 15 January to 1 February = 17 days, 1 + 20 = 21 kWh
        //   energy 21 x 0.30 = 6.30; standing 17 days x 0.40 = 6.80; total 13.10
        assertThat(b.lines()).extracting(BillLine::quantity, BillLine::amount).containsExactly(
                org.assertj.core.groups.Tuple.tuple(d("21.000000"), d("6.30")),
                org.assertj.core.groups.Tuple.tuple(d("17"), d("6.80")));
        assertThat(b.total()).isEqualTo(d("13.10"));
        // AND together: 14 + 17 = 31 standing days and 51 + 21 = 72 kWh, every reading once
        assertThat(oldPart.days() + newPart.days()).isEqualTo(31);
        assertThat(a.totalKwh().add(b.totalKwh())).isEqualByComparingTo("72");
    }
}
