package org.smartenergy.platform.domain.tariff;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.smartenergy.platform.domain.MeterReading;

import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.ALL_DAYS;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.WEEKDAY;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.allYear;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.band;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.d;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.flat;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.line;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.period;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.reading;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.readingLocal;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.season;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.tariff;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.tou;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.wholeDay;

/**
 * Worked examples of {@link TariffEngine#rate}: each states the arithmetic a person would do by hand.
 */
class TariffEngineTest {

    private static final BillingPeriod JANUARY = period("2026-01-01", "2026-02-01");

    @Test
    void flatTariffChargesEveryKwhAtOnePrice() {
        // GIVEN 0.2500 EUR/kWh and three readings: 10 + 2.5 + 0.123456 = 12.623456 kWh
        Tariff tariff = tariff().energy(flat("0.2500")).build();
        List<MeterReading> readings = List.of(
                reading("2026-01-02T10:00:00Z", 3600, "10"),
                reading("2026-01-03T10:00:00Z", 3600, "2.5"),
                reading("2026-01-04T10:00:00Z", 900, "0.123456"));

        Bill bill = TariffEngine.rate(tariff, JANUARY, readings);

        // THEN 12.623456 x 0.2500 = 3.155864 -> 3.16
        assertThat(bill.lines()).singleElement().satisfies(l -> {
            assertThat(l.quantity()).isEqualByComparingTo("12.623456");
            assertThat(l.unit()).isEqualTo(BillLine.Unit.KWH);
            assertThat(l.unitPrice()).isEqualByComparingTo("0.2500");
            assertThat(l.amount()).isEqualTo(d("3.16"));
        });
        assertThat(bill.totalKwh()).isEqualTo(d("12.623456"));
        assertThat(bill.total()).isEqualTo(d("3.16"));
        assertThat(bill.readingCount()).isEqualTo(3);
        assertThat(bill.tariffId()).isEqualTo("test-tariff");
        assertThat(bill.tariffVersion()).isEqualTo(1);
        assertThat(bill.currency().getCurrencyCode()).isEqualTo("EUR");
        assertThat(bill.period()).isEqualTo(JANUARY);
    }

    @Test
    void roundsEachLineHalfEvenToTheCurrencyMinorUnit() {
        // 10 kWh x 0.0125 = 0.125 -> 0.12 (half-even: 2 is even); 10 kWh x 0.0135 = 0.135 -> 0.14 (4 is even)
        List<MeterReading> tenKwh = List.of(reading("2026-01-02T10:00:00Z", 3600, "10"));
        assertThat(TariffEngine.rate(tariff().energy(flat("0.0125")).build(), JANUARY, tenKwh).total())
                .isEqualTo(d("0.12"));
        assertThat(TariffEngine.rate(tariff().energy(flat("0.0135")).build(), JANUARY, tenKwh).total())
                .isEqualTo(d("0.14"));
        // JPY has no decimals: 10 kWh x 2.25 = 22.5 -> 22; 10 kWh x 2.35 = 23.5 -> 24
        assertThat(TariffEngine.rate(tariff().currency("JPY").energy(flat("2.25")).build(), JANUARY, tenKwh).total())
                .isEqualTo(d("22"));
        assertThat(TariffEngine.rate(tariff().currency("JPY").energy(flat("2.35")).build(), JANUARY, tenKwh).total())
                .isEqualTo(d("24"));
    }

    private static Tariff blocks(boolean prorate) {
        // first 100 kWh at 0.10, next 200 (to 300) at 0.15, the rest at 0.20
        return tariff().energy(new EnergyCharge.Tiered(List.of(
                new EnergyCharge.Tier(d("100"), d("0.10")),
                new EnergyCharge.Tier(d("300"), d("0.15")),
                new EnergyCharge.Tier(null, d("0.20"))), prorate)).build();
    }

    @Test
    void tieredRateHittingATierBoundaryExactlyStaysInTheLowerTier() {
        // 100 kWh exactly: all in tier 1, 100 x 0.10 = 10.00; tiers 2 and 3 get nothing and print no line
        Bill bill = TariffEngine.rate(blocks(false), JANUARY, List.of(reading("2026-01-10T00:00:00Z", 3600, "100")));

        assertThat(bill.lines()).singleElement().satisfies(l -> {
            assertThat(l.description()).isEqualTo("Energy tier 1: 0 to 100 kWh");
            assertThat(l.quantity()).isEqualByComparingTo("100");
            assertThat(l.amount()).isEqualTo(d("10.00"));
        });
    }

    @Test
    void tieredRateFillsBlocksInOrder() {
        // 350 kWh: 100 x 0.10 = 10.00; 200 x 0.15 = 30.00; 50 x 0.20 = 10.00; total 50.00
        Bill bill = TariffEngine.rate(blocks(false), JANUARY, List.of(reading("2026-01-10T00:00:00Z", 3600, "350")));

        assertThat(bill.lines()).extracting(BillLine::description, l -> l.quantity().stripTrailingZeros().toPlainString(),
                BillLine::amount).containsExactly(
                org.assertj.core.groups.Tuple.tuple("Energy tier 1: 0 to 100 kWh", "100", d("10.00")),
                org.assertj.core.groups.Tuple.tuple("Energy tier 2: 100 to 300 kWh", "200", d("30.00")),
                org.assertj.core.groups.Tuple.tuple("Energy tier 3: above 300 kWh", "50", d("10.00")));
        assertThat(bill.total()).isEqualTo(d("50.00"));
    }

    @Test
    void tieredThresholdsAreProratedByDaysForAPartialFirstPeriod() {
        // GIVEN a move-in on 15 January: period 2026-01-15 to 2026-02-01 = 17 of January's 31 days
        BillingPeriod partial = period("2026-01-15", "2026-02-01");
        List<MeterReading> readings = List.of(reading("2026-01-20T00:00:00Z", 3600, "200"));

        Bill bill = TariffEngine.rate(blocks(true), partial, readings);

        // THEN thresholds 100 x 17/31 = 54.838709.. -> 54.838710 and 300 x 17/31 = 164.516129.. -> 164.516129
        //   tier 1: 54.838710 x 0.10 = 5.4838710 -> 5.48
        //   tier 2: (164.516129 - 54.838710) = 109.677419 x 0.15 = 16.45161285 -> 16.45
        //   tier 3: (200 - 164.516129) = 35.483871 x 0.20 = 7.0967742 -> 7.10
        //   total 5.48 + 16.45 + 7.10 = 29.03
        assertThat(bill.lines()).extracting(BillLine::quantity)
                .containsExactly(d("54.838710"), d("109.677419"), d("35.483871"));
        assertThat(bill.lines()).extracting(BillLine::amount).containsExactly(d("5.48"), d("16.45"), d("7.10"));
        assertThat(bill.lines().get(0).description()).isEqualTo("Energy tier 1: 0 to 54.83871 kWh (100 kWh x 17/31 days)");
        assertThat(bill.total()).isEqualTo(d("29.03"));

        // AND without proration the same 200 kWh is 100 x 0.10 + 100 x 0.15 = 25.00
        assertThat(TariffEngine.rate(blocks(false), partial, readings).total()).isEqualTo(d("25.00"));
    }

    private static Tariff winterSummerTou() {
        // winter (10-01..03-31): weekday day 06:00-22:00 0.30, weekday night 22:00-06:00 (crosses midnight) 0.12,
        //                        weekend 0.15 all day, holiday 0.10 all day
        // summer (04-01..09-30): every day 0.20
        EnergyCharge.TimeOfUse energy = new EnergyCharge.TimeOfUse(List.of(
                season("winter", "10-01", "03-31",
                        band("day", WEEKDAY, "06:00", "22:00", "0.30"),
                        band("night", WEEKDAY, "22:00", "06:00", "0.12"),
                        band("weekend", Set.of(DayType.WEEKEND), "00:00", "00:00", "0.15"),
                        band("holiday", Set.of(DayType.HOLIDAY), "00:00", "00:00", "0.10")),
                season("summer", "04-01", "09-30",
                        band("any", ALL_DAYS, "00:00", "00:00", "0.20"))),
                Set.of(LocalDate.parse("2026-01-06")));
        return tariff().energy(energy).build();
    }

    @Test
    void timeOfUseRatesANightBandAcrossMidnightAndWeekendAndHolidayDays() {
        List<MeterReading> readings = List.of(
                reading("2026-01-07T23:00:00Z", 3600, "1"),   // Wed 22:00-23:00 night
                reading("2026-01-08T01:00:00Z", 3600, "2"),   // Thu 00:00-01:00 night (band crossed midnight)
                reading("2026-01-08T12:00:00Z", 3600, "4"),   // Thu 11:00-12:00 day
                reading("2026-01-10T12:00:00Z", 3600, "8"),   // Sat weekend
                reading("2026-01-06T12:00:00Z", 3600, "16")); // Tue 6 Jan is a listed holiday

        Bill bill = TariffEngine.rate(winterSummerTou(), JANUARY, readings);

        // night 3 x 0.12 = 0.36; day 4 x 0.30 = 1.20; weekend 8 x 0.15 = 1.20; holiday 16 x 0.10 = 1.60 -> 4.36
        assertThat(bill.lines()).extracting(BillLine::description, BillLine::amount).containsExactly(
                org.assertj.core.groups.Tuple.tuple("Energy winter day", d("1.20")),
                org.assertj.core.groups.Tuple.tuple("Energy winter night", d("0.36")),
                org.assertj.core.groups.Tuple.tuple("Energy winter weekend", d("1.20")),
                org.assertj.core.groups.Tuple.tuple("Energy winter holiday", d("1.60")));
        assertThat(bill.total()).isEqualTo(d("4.36"));
        assertThat(bill.totalKwh()).isEqualTo(d("31.000000"));
    }

    @Test
    void timeOfUsePicksTheSeasonOfTheLocalDate() {
        // 31 March is winter (weekday day 0.30), 1 April summer (0.20): 1 kWh each, 0.30 + 0.20 = 0.50
        Bill bill = TariffEngine.rate(winterSummerTou(), period("2026-03-01", "2026-04-01"),
                List.of(reading("2026-03-31T12:00:00Z", 3600, "1")));
        Bill april = TariffEngine.rate(winterSummerTou(), period("2026-04-01", "2026-05-01"),
                List.of(reading("2026-04-01T12:00:00Z", 3600, "1")));

        assertThat(line(bill, "Energy winter day").amount()).isEqualTo(d("0.30"));
        assertThat(line(april, "Energy summer any").amount()).isEqualTo(d("0.20"));
    }

    @Test
    void aReadingSpanningABandBoundaryIsSplitProRataByTime() {
        // 16:30-17:30, 3 kWh; peak from 17:00: 30/60 x 3 = 1.5 off-peak + 1.5 peak
        Tariff tariff = tariff().energy(tou(allYear(
                band("off-peak", ALL_DAYS, "21:00", "17:00", "0.10"),
                band("peak", ALL_DAYS, "17:00", "21:00", "0.40")))).build();

        Bill bill = TariffEngine.rate(tariff, JANUARY, List.of(reading("2026-01-05T17:30:00Z", 3600, "3")));

        // off-peak 1.5 x 0.10 = 0.15; peak 1.5 x 0.40 = 0.60
        assertThat(line(bill, "Energy all-year off-peak").quantity()).isEqualByComparingTo("1.5");
        assertThat(line(bill, "Energy all-year peak").quantity()).isEqualByComparingTo("1.5");
        assertThat(bill.total()).isEqualTo(d("0.75"));

        // AND an odd number of mWh loses nothing: 1,000,001 mWh -> floor(1,000,001 x 30/60) = 500,000 before the
        // boundary, 500,001 after
        Bill odd = TariffEngine.rate(tariff, JANUARY, List.of(reading("2026-01-05T17:30:00Z", 3600, "1.000001")));
        assertThat(line(odd, "Energy all-year off-peak").quantity()).isEqualTo(d("0.500000"));
        assertThat(line(odd, "Energy all-year peak").quantity()).isEqualTo(d("0.500001"));
    }

    @Test
    void onlyThePartOfAReadingInsideThePeriodCounts() {
        // 23:30 31 Dec to 00:30 1 Jan (UTC), 2 kWh: 1 kWh in January; 23:00 31 Jan to 01:00 1 Feb, 4 kWh: 2 kWh
        // in January; one reading wholly in February: nothing. 3 kWh x 0.20 = 0.60
        Bill bill = TariffEngine.rate(tariff().build(), JANUARY, List.of(
                reading("2026-01-01T00:30:00Z", 3600, "2"),
                reading("2026-02-01T01:00:00Z", 7200, "4"),
                reading("2026-02-03T01:00:00Z", 3600, "9"),
                reading("2026-01-01T00:00:00Z", 3600, "5"))); // ends exactly at the period start: December's

        assertThat(bill.totalKwh()).isEqualTo(d("3.000000"));
        assertThat(bill.total()).isEqualTo(d("0.60"));
        assertThat(bill.readingCount()).isEqualTo(2);
    }

    @Test
    void ridersApplyToAllEnergyAndACreditIsANegativeLine() {
        // 100 kWh: energy 100 x 0.20 = 20.00; levy 100 x 0.0150 = 1.50; credit 100 x -0.0300 = -3.00; total 18.50
        Tariff tariff = tariff().rider("Network levy", "0.0150").rider("Green credit", "-0.0300").build();

        Bill bill = TariffEngine.rate(tariff, JANUARY, List.of(reading("2026-01-10T00:00:00Z", 3600, "100")));

        assertThat(line(bill, "Network levy").amount()).isEqualTo(d("1.50"));
        assertThat(line(bill, "Green credit").amount()).isEqualTo(d("-3.00"));
        assertThat(line(bill, "Green credit").kind()).isEqualTo(BillLine.Kind.RIDER);
        assertThat(bill.subtotal()).isEqualTo(d("18.50"));
    }

    @Test
    void standingChargeIsChargedPerCalendarDayOfAPartialPeriod() {
        Tariff tariff = tariff().standing("0.4500").build();

        // partial period 10 Jan to 1 Feb = 22 days: 22 x 0.45 = 9.90; full January 31 x 0.45 = 13.95
        Bill partial = TariffEngine.rate(tariff, period("2026-01-10", "2026-02-01"), List.of());
        Bill full = TariffEngine.rate(tariff, JANUARY, List.of());

        assertThat(partial.lines()).singleElement().satisfies(l -> {
            assertThat(l.quantity()).isEqualByComparingTo("22");
            assertThat(l.unit()).isEqualTo(BillLine.Unit.DAY);
            assertThat(l.amount()).isEqualTo(d("9.90"));
        });
        assertThat(full.total()).isEqualTo(d("13.95"));
    }

    @Test
    void demandPerKwChargesTheHighestWindowAverage() {
        // 15-min readings 1.0, 2.5, 0.5 kWh -> 4, 10, 2 kW; a 5-min reading of 0.4 kWh adds to the 4 kW window
        // (1.0 + 0.4 = 1.4 kWh -> 5.6 kW). Highest: 2.5 kWh / 0.25 h = 10 kW x 8.00 = 80.00
        Tariff tariff = tariff().energy(flat("0")).demand("8.00", DemandCharge.Basis.PER_KW, 15).build();

        Bill bill = TariffEngine.rate(tariff, JANUARY, List.of(
                reading("2026-01-05T10:15:00Z", 900, "1.0"),
                reading("2026-01-05T10:15:00Z", 900, "1.0"), // sent twice, counts once
                reading("meter-2", java.time.Instant.parse("2026-01-05T10:10:00Z"), 300, "0.4"),
                reading("2026-01-05T10:30:00Z", 900, "2.5"),
                reading("2026-01-05T10:45:00Z", 900, "0.5")));

        BillLine demand = line(bill, "Demand charge");
        assertThat(demand.quantity()).isEqualByComparingTo("10");
        assertThat(demand.unit()).isEqualTo(BillLine.Unit.KW);
        assertThat(demand.amount()).isEqualTo(d("80.00"));
        assertThat(demand.description()).contains("window starting 2026-01-05T10:15Z");
    }

    @Test
    void demandSplitsAReadingAcrossWindows() {
        // one hourly reading of 4 kWh: 1 kWh in each 15-min window = 4 kW (not 16 kW); 4 x 8.00 = 32.00
        Tariff tariff = tariff().energy(flat("0")).demand("8.00", DemandCharge.Basis.PER_KW, 15).build();

        Bill bill = TariffEngine.rate(tariff, JANUARY, List.of(reading("2026-01-05T11:00:00Z", 3600, "4")));

        assertThat(line(bill, "Demand charge").quantity()).isEqualByComparingTo("4");
        assertThat(bill.total()).isEqualTo(d("32.00"));
    }

    @Test
    void demandPerKwPerDayLimitedToABandIgnoresDemandOutsideIt() {
        // GIVEN peak 17:00-21:00 weekdays; demand 0.10 per kW per day, peak only, in a 30-day April
        Tariff tariff = tariff().energy(tou(allYear(
                        band("peak", WEEKDAY, "17:00", "21:00", "0"),
                        band("off-peak", WEEKDAY, "21:00", "17:00", "0"),
                        band("off-peak", Set.of(DayType.WEEKEND, DayType.HOLIDAY), "00:00", "00:00", "0"))))
                .demand("0.10", DemandCharge.Basis.PER_KW_PER_DAY, 15, "peak").build();
        List<MeterReading> readings = List.of(
                reading("2026-04-07T03:15:00Z", 900, "10"),  // 40 kW off-peak (Tue 03:00): ignored
                reading("2026-04-11T18:15:00Z", 900, "10"),  // 40 kW at 18:00 on a Saturday: off-peak, ignored
                reading("2026-04-07T18:15:00Z", 900, "2"),   // 8 kW on peak
                reading("2026-04-08T17:00:00Z", 1800, "3")); // 16:30-17:00: off-peak, ignored

        Bill bill = TariffEngine.rate(tariff, period("2026-04-01", "2026-05-01"), readings);

        // THEN 2 kWh / 0.25 h = 8 kW; 8 kW x 30 days = 240 kW x day x 0.10 = 24.00
        BillLine demand = line(bill, "Demand charge");
        assertThat(demand.quantity()).isEqualByComparingTo("240");
        assertThat(demand.unit()).isEqualTo(BillLine.Unit.KW_DAY);
        assertThat(demand.amount()).isEqualTo(d("24.00"));
        assertThat(demand.description()).contains("8.000000 kW in peak").contains("x 30 days");
    }

    @Test
    void eachTaxIsAPercentageOfTheSubtotalOnItsOwnLine() {
        // subtotal 100 kWh x 0.3333 = 33.33; tax 5%: 33.33 x 0.05 = 1.6665 -> 1.67; VAT 19%: 6.3327 -> 6.33
        // total 33.33 + 1.67 + 6.33 = 41.33
        Tariff tariff = tariff().energy(flat("0.3333")).tax("Municipal tax", "5").tax("VAT", "19").build();

        Bill bill = TariffEngine.rate(tariff, JANUARY, List.of(reading("2026-01-10T00:00:00Z", 3600, "100")));

        assertThat(bill.subtotal()).isEqualTo(d("33.33"));
        assertThat(bill.taxLines()).extracting(BillLine::description, BillLine::amount).containsExactly(
                org.assertj.core.groups.Tuple.tuple("Municipal tax 5% of 33.33", d("1.67")),
                org.assertj.core.groups.Tuple.tuple("VAT 19% of 33.33", d("6.33")));
        assertThat(bill.taxLines()).allSatisfy(t -> {
            assertThat(t.unit()).isEqualTo(BillLine.Unit.PERCENT);
            assertThat(t.unitPrice()).isEqualTo(d("33.33"));
        });
        assertThat(bill.taxTotal()).isEqualTo(d("8.00"));
        assertThat(bill.total()).isEqualTo(d("41.33"));
    }

    @Test
    void roundsEachTaxHalfEven() {
        // 10 kWh x 0.05 = 0.50; 5% of 0.50 = 0.025 -> 0.02; 10 kWh x 0.07 = 0.70; 5% of 0.70 = 0.035 -> 0.04
        List<MeterReading> tenKwh = List.of(reading("2026-01-02T10:00:00Z", 3600, "10"));

        assertThat(TariffEngine.rate(tariff().energy(flat("0.05")).tax("T", "5").build(), JANUARY, tenKwh).taxTotal())
                .isEqualTo(d("0.02"));
        assertThat(TariffEngine.rate(tariff().energy(flat("0.07")).tax("T", "5").build(), JANUARY, tenKwh).taxTotal())
                .isEqualTo(d("0.04"));
    }

    /** Day bands by wall clock: night 00:00-06:00 at 0.10, day 06:00-22:00 at 0.20, evening 22:00-24:00 at 0.30. */
    private static Tariff wallClockBands(ZoneId zone) {
        return tariff().zone(zone).standing("0.50").energy(tou(allYear(
                band("night", ALL_DAYS, "00:00", "06:00", "0.10"),
                band("day", ALL_DAYS, "06:00", "22:00", "0.20"),
                band("evening", ALL_DAYS, "22:00", "00:00", "0.30")))).build();
    }

    @ParameterizedTest(name = "{0} {1}: {2} hours")
    @CsvSource({
            // zone, day, hours in the day, kWh in night band (00:00-06:00 wall clock)
            "Europe/Berlin,    2026-03-29, 23, 5",  // 02:00 -> 03:00: the night band loses an hour
            "Europe/Berlin,    2026-10-25, 25, 7",  // 03:00 -> 02:00: 02:00-03:00 happens twice
            "America/New_York, 2026-03-08, 23, 5",
            "America/New_York, 2026-11-01, 25, 7"})
    void dstDaysRateEveryHourThatHappenedInItsWallClockBand(String zoneId, String day, int hours, int nightKwh) {
        // GIVEN hourly readings of 1 kWh for the whole local day (23 or 25 of them)
        ZoneId zone = ZoneId.of(zoneId);
        LocalDate date = LocalDate.parse(day);
        List<MeterReading> readings = wholeDay(zone, date, 3600, "1");
        assertThat(readings).hasSize(hours);

        Bill bill = TariffEngine.rate(wallClockBands(zone), new BillingPeriod(date, date.plusDays(1)), readings);

        // THEN night = 5 (or 7) kWh x 0.10, day 16 x 0.20 = 3.20, evening 2 x 0.30 = 0.60, standing 1 day x 0.50
        assertThat(bill.totalKwh()).isEqualByComparingTo(String.valueOf(hours));
        assertThat(line(bill, "Energy all-year night").quantity()).isEqualByComparingTo(String.valueOf(nightKwh));
        assertThat(line(bill, "Energy all-year day").quantity()).isEqualByComparingTo("16");
        assertThat(line(bill, "Energy all-year evening").quantity()).isEqualByComparingTo("2");
        assertThat(line(bill, "Standing charge").quantity()).isEqualByComparingTo("1");
        assertThat(bill.total()).isEqualByComparingTo(
                d("0.10").multiply(d(String.valueOf(nightKwh))).add(d("3.20")).add(d("0.60")).add(d("0.50")));
    }

    @Test
    void flatRateOverADstDayCountsTheHoursThatHappened() {
        // Berlin 29 March 2026 has 23 hours: 23 x 1 kWh x 0.10 = 2.30, standing 1 day x 0.50; 25 Oct: 2.50 + 0.50
        Tariff tariff = tariff().zone(TariffFixtures.BERLIN).energy(flat("0.10")).standing("0.50").build();
        LocalDate spring = LocalDate.parse("2026-03-29");
        LocalDate autumn = LocalDate.parse("2026-10-25");

        assertThat(TariffEngine.rate(tariff, new BillingPeriod(spring, spring.plusDays(1)),
                wholeDay(TariffFixtures.BERLIN, spring, 3600, "1")).total()).isEqualTo(d("2.80"));
        assertThat(TariffEngine.rate(tariff, new BillingPeriod(autumn, autumn.plusDays(1)),
                wholeDay(TariffFixtures.BERLIN, autumn, 3600, "1")).total()).isEqualTo(d("3.00"));
    }

    @Test
    void demandWindowsFollowElapsedTimeSoTheRepeatedFallBackHourIsNotAddedUp() {
        // Berlin 25 Oct 2026: 02:00-02:15 happens twice (00:00Z-00:15Z in CEST, 01:00Z-01:15Z in CET), 1 kWh each.
        // They are two windows of 1 kWh / 0.25 h = 4 kW each (not one 8 kW wall-clock window): 4 x 1.00 = 4.00
        Tariff tariff = tariff().zone(TariffFixtures.BERLIN).energy(flat("0"))
                .demand("1.00", DemandCharge.Basis.PER_KW, 15).build();

        Bill bill = TariffEngine.rate(tariff, period("2026-10-01", "2026-11-01"), List.of(
                reading("2026-10-25T00:15:00Z", 900, "1"),
                reading("2026-10-25T01:15:00Z", 900, "1")));

        assertThat(line(bill, "Demand charge").quantity()).isEqualByComparingTo("4");
        assertThat(line(bill, "Demand charge").description()).contains("window starting 2026-10-25T02:00+02:00");
    }

    @Test
    void billingPeriodsFollowTheAnchorDayInLocalTime() {
        BillingCycle cycle = new BillingCycle(15);

        assertThat(cycle.periodContaining(LocalDate.parse("2026-03-14"))).isEqualTo(period("2026-02-15", "2026-03-15"));
        assertThat(cycle.periodContaining(LocalDate.parse("2026-03-15"))).isEqualTo(period("2026-03-15", "2026-04-15"));
        // 2026-03-14T23:30Z is already 15 March 00:30 in Berlin
        assertThat(cycle.periodContaining(java.time.Instant.parse("2026-03-14T23:30:00Z"), TariffFixtures.BERLIN))
                .isEqualTo(period("2026-03-15", "2026-04-15"));
    }

    @Test
    void refusesAPeriodSpanningTwoBillingCycles() {
        assertThatThrownBy(() -> TariffEngine.rate(tariff().build(), period("2026-01-15", "2026-02-15"), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("spans more than the billing cycle 2026-01-01 to 2026-02-01");
    }

    @Test
    void lateReadingsBecomeATaxInclusiveAdjustmentOnTheNextBill() {
        // GIVEN January issued on 100 kWh: 100 x 0.20 = 20.00 + VAT 19% 3.80 = 23.80
        Tariff tariff = tariff().tax("VAT", "19").build();
        List<MeterReading> onTime = new ArrayList<>(List.of(reading("2026-01-10T00:00:00Z", 3600, "100")));
        Bill issued = TariffEngine.rate(tariff, JANUARY, onTime);
        assertThat(issued.total()).isEqualTo(d("23.80"));

        // WHEN 10 kWh for January arrive late: re-rated 110 x 0.20 = 22.00 + 4.18 = 26.18 -> adjustment 2.38
        onTime.add(reading("2026-01-20T00:00:00Z", 3600, "10"));
        Bill rerated = TariffEngine.rate(tariff, JANUARY, onTime);
        Adjustment adjustment = TariffEngine.adjustmentFor(issued, rerated);
        assertThat(adjustment.amount()).isEqualTo(d("2.38"));
        assertThat(adjustment.correctedPeriod()).isEqualTo(JANUARY);

        // THEN February (50 kWh: 10.00 + VAT 1.90) carries it after the taxes, untaxed: 10.00 + 1.90 + 2.38 = 14.28
        Bill february = TariffEngine.rate(tariff, period("2026-02-01", "2026-03-01"),
                List.of(reading("2026-02-10T00:00:00Z", 3600, "50")), List.of(adjustment));
        assertThat(february.adjustmentLines()).singleElement().satisfies(l -> {
            assertThat(l.description()).startsWith("Correction for period 2026-01-01 to 2026-02-01: re-rated with 2 readings");
            assertThat(l.amount()).isEqualTo(d("2.38"));
            assertThat(l.kind()).isEqualTo(BillLine.Kind.ADJUSTMENT);
        });
        assertThat(february.taxTotal()).isEqualTo(d("1.90"));
        assertThat(february.total()).isEqualTo(d("14.28"));
        assertThat(february.periodCharges()).isEqualTo(d("11.90"));
    }

    @Test
    void adjustmentsAreOnlyBetweenBillsOfTheSamePeriod() {
        Tariff tariff = tariff().build();
        Bill january = TariffEngine.rate(tariff, JANUARY, List.of());
        Bill february = TariffEngine.rate(tariff, period("2026-02-01", "2026-03-01"), List.of());

        assertThatThrownBy(() -> TariffEngine.adjustmentFor(january, february))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("different periods");
    }

    @Test
    void refusesAnAdjustmentFinerThanTheMinorUnit() {
        Adjustment bad = new Adjustment(JANUARY, "typo", d("1.005"));

        assertThatThrownBy(() -> TariffEngine.rate(tariff().build(), period("2026-02-01", "2026-03-01"), List.of(),
                List.of(bad))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minor unit");
    }
}
