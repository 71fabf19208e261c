package org.smartenergy.platform.domain.tariff;

import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.ALL_DAYS;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.WEEKDAY;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.allYear;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.band;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.d;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.flat;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.season;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.tariff;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.tou;

/**
 * Invalid tariffs are refused with every problem named. (Unknown currencies and zones cannot be represented in the
 * model; the JSON adapter refuses them: see {@code TariffJsonTest}.)
 */
class TariffValidationTest {

    private static List<String> problemsOf(ThrowableAssert.ThrowingCallable build) {
        InvalidTariffException e = catchThrowableOfType(InvalidTariffException.class, build);
        assertThat(e).as("tariff should be refused").isNotNull();
        return e.problems();
    }

    private static EnergyCharge.Band allDay(String name) {
        return band(name, ALL_DAYS, "00:00", "00:00", "0.20");
    }

    @Test
    void acceptsAWellFormedTimeOfUseTariff() {
        Tariff tariff = tariff().energy(tou(allYear(
                band("peak", WEEKDAY, "07:00", "22:00", "0.30"),
                band("night", WEEKDAY, "22:00", "07:00", "0.10"),
                band("weekend", Set.of(DayType.WEEKEND, DayType.HOLIDAY), "00:00", "00:00", "0.15")))).build();

        assertThat(tariff.energy()).isInstanceOf(EnergyCharge.TimeOfUse.class);
    }

    @Test
    void refusesOverlappingBands() {
        List<String> problems = problemsOf(() -> tariff().energy(tou(allYear(
                band("day", ALL_DAYS, "06:00", "22:00", "0.30"),
                band("shoulder", ALL_DAYS, "20:00", "23:00", "0.25"),
                band("night", ALL_DAYS, "22:00", "06:00", "0.10")))).build());

        assertThat(problems).contains(
                "season 'all-year', WEEKDAY: 20:00-22:00 is covered by several bands 'day', 'shoulder' (overlap)",
                "season 'all-year', WEEKDAY: 22:00-23:00 is covered by several bands 'shoulder', 'night' (overlap)");
    }

    @Test
    void refusesBandsLeavingAGap() {
        List<String> problems = problemsOf(() -> tariff().energy(tou(allYear(
                band("day", ALL_DAYS, "06:00", "22:00", "0.30"),
                band("night", ALL_DAYS, "23:00", "06:00", "0.10")))).build());

        assertThat(problems).containsExactly(
                "season 'all-year', WEEKDAY: 22:00-23:00 is not covered by any band (gap)",
                "season 'all-year', WEEKEND: 22:00-23:00 is not covered by any band (gap)",
                "season 'all-year', HOLIDAY: 22:00-23:00 is not covered by any band (gap)");
    }

    @Test
    void refusesADayTypeWithoutBands() {
        List<String> problems = problemsOf(() -> tariff().energy(tou(allYear(
                band("any", Set.of(DayType.WEEKDAY, DayType.WEEKEND), "00:00", "00:00", "0.30")))).build());

        assertThat(problems).containsExactly("season 'all-year', HOLIDAY: 00:00-24:00 is not covered by any band (gap)");
    }

    @Test
    void refusesOverlappingSeasons() {
        List<String> problems = problemsOf(() -> tariff().energy(tou(
                season("winter", "10-01", "04-15", allDay("w")),
                season("summer", "04-01", "09-30", allDay("s")))).build());

        assertThat(problems).containsExactly("days 04-01 to 04-15 are in several seasons 'winter', 'summer' (overlap)");
    }

    @Test
    void refusesSeasonsThatDoNotCoverTheYearIncludingTheLeapDay() {
        List<String> problems = problemsOf(() -> tariff().energy(tou(
                season("winter", "11-01", "02-28", allDay("w")),
                season("summer", "03-01", "10-15", allDay("s")))).build());

        assertThat(problems).containsExactly(
                "days 02-29 to 02-29 are in no season (gap)",
                "days 10-16 to 10-31 are in no season (gap)");
    }

    @Test
    void refusesTiersOutOfOrderAndNonPositiveThresholds() {
        List<String> problems = problemsOf(() -> tariff().energy(new EnergyCharge.Tiered(List.of(
                new EnergyCharge.Tier(d("300"), d("0.10")),
                new EnergyCharge.Tier(d("100"), d("0.15")),
                new EnergyCharge.Tier(d("0"), d("0.15")),
                new EnergyCharge.Tier(null, d("0.20"))), false)).build());

        assertThat(problems).containsExactly(
                "tier thresholds out of order: tier 2 (100 kWh) must be above tier 1 (300 kWh)",
                "tier 3 threshold must be positive, was 0 kWh");
    }

    @Test
    void refusesTiersWhoseLastTierIsBoundedOrWhoseMiddleTierIsNot() {
        assertThat(problemsOf(() -> tariff().energy(new EnergyCharge.Tiered(List.of(
                new EnergyCharge.Tier(d("100"), d("0.10"))), false)).build()))
                .containsExactly("the last tier (1) must have no threshold: it takes all remaining kWh");
        assertThat(problemsOf(() -> tariff().energy(new EnergyCharge.Tiered(List.of(
                new EnergyCharge.Tier(null, d("0.10")),
                new EnergyCharge.Tier(null, d("0.20"))), false)).build()))
                .containsExactly("tier 1 has no threshold but is not the last tier");
        assertThat(problemsOf(() -> tariff().energy(new EnergyCharge.Tiered(List.of(), false)).build()))
                .containsExactly("tiered energy charge has no tiers");
    }

    @Test
    void refusesNegativeStandingChargeAndDemandPrice() {
        List<String> problems = problemsOf(() -> tariff().standing("-0.01")
                .demand("-3", DemandCharge.Basis.PER_KW, 15).build());

        assertThat(problems).containsExactly(
                "standing charge per day must not be negative, was -0.01",
                "demand price must not be negative, was -3 (use a rider for a credit)");
    }

    @Test
    void refusesANegativeEnergyPriceButAcceptsANegativeRider() {
        assertThat(problemsOf(() -> tariff().energy(flat("-0.05")).build()))
                .containsExactly("flat energy price must not be negative, was -0.05 (use a rider for a credit)");
        assertThat(tariff().rider("credit", "-0.05").build().riders()).hasSize(1);
    }

    @Test
    void refusesADemandWindowThatDoesNotDivideAnHourAndUnknownDemandBands() {
        assertThat(problemsOf(() -> tariff().demand("1", DemandCharge.Basis.PER_KW, 7).build())).containsExactly(
                "demand window must be a divisor of 60 minutes (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60), was 7");
        assertThat(problemsOf(() -> tariff().demand("1", DemandCharge.Basis.PER_KW, 15, "peak").build()))
                .containsExactly("demand limited to bands [peak] needs a time-of-use energy charge");
        assertThat(problemsOf(() -> tariff().energy(tou(allYear(allDay("flat"))))
                .demand("1", DemandCharge.Basis.PER_KW, 15, "peak").build()))
                .containsExactly("demand names unknown band 'peak'");
    }

    @Test
    void refusesAnAnchorDayOutside1To28() {
        assertThat(problemsOf(() -> tariff().anchorDay(29).build()))
                .containsExactly("billing cycle anchor day must be 1 to 28, was 29");
        assertThat(problemsOf(() -> tariff().anchorDay(0).build()))
                .containsExactly("billing cycle anchor day must be 1 to 28, was 0");
    }

    @Test
    void refusesACurrencyWithoutMinorUnitAndNegativeOrDuplicateTaxes() {
        assertThat(problemsOf(() -> tariff().currency("XAU").build()))
                .containsExactly("currency XAU has no minor unit and cannot be billed in");
        assertThat(problemsOf(() -> tariff().tax("VAT", "-19").tax("VAT", "7").build())).containsExactly(
                "tax 'VAT' must not be negative, was -19%",
                "tax 'VAT' is listed twice");
    }

    @Test
    void reportsEveryProblemAtOnce() {
        InvalidTariffException e = catchThrowableOfType(InvalidTariffException.class,
                () -> tariff().anchorDay(31).standing("-1").tax("VAT", "-1").build());

        assertThat(e.problems()).hasSize(3);
        assertThat(e).hasMessageStartingWith("invalid tariff: billing cycle anchor day must be 1 to 28, was 31; ");
    }

    @Test
    void reportsOutOfBoundsDecimalsByPathWithTheOtherProblemsAndComputesNothingWithThem() {
        // GIVEN a tariff whose prices would expand to a billion digits, next to ordinary rule violations
        List<String> problems = problemsOf(() -> tariff()
                .energy(new EnergyCharge.Tiered(List.of(
                        new EnergyCharge.Tier(d("1E+999999999"), d("0.10")),
                        new EnergyCharge.Tier(d("5"), d("-1E-999999999")),
                        new EnergyCharge.Tier(null, d("0.20"))), false))
                .anchorDay(29)
                .standing("-1E+2147483647")
                .rider("levy", "1E+12")
                .tax("VAT", "100.0000001")
                .tax("VAT", "-5")
                .build());

        // THEN each is named, and an out-of-bounds threshold takes no part in the order check
        assertThat(problems).containsExactly(
                "billing cycle anchor day must be 1 to 28, was 29",
                "energy.tiers[0].upToKwh must have at most 12 digits before the decimal point and 6 after it,"
                        + " was 1E+999999999",
                "energy.tiers[1].pricePerKwh must have at most 12 digits before the decimal point and 10 after it,"
                        + " was -1E-999999999",
                "riders[0].pricePerKwh must have at most 12 digits before the decimal point and 10 after it,"
                        + " was 1E+12",
                "standingChargePerDay must have at most 12 digits before the decimal point and 10 after it,"
                        + " was -1E+2147483647",
                "taxes[0].percent must have at most 3 digits before the decimal point and 6 after it,"
                        + " was 100.0000001",
                "tax 'VAT' is listed twice",
                "tax 'VAT' must not be negative, was -5%");
    }

    @Test
    void acceptsDecimalsAtTheirBoundsAndRefusesATaxOver100Percent() {
        Tariff tariff = tariff().energy(flat("999999999999.9999999999")).rider("credit", "-999999999999.9999999999")
                .standing("0.0000000001").tax("all", "100").build();
        assertThat(tariff.taxes()).hasSize(1);

        assertThat(problemsOf(() -> tariff().tax("VAT", "100.000001").build()))
                .containsExactly("taxes[0].percent must be 0 to 100, was 100.000001");
    }

    @Test
    void refusesMoreSeasonsOrBandsThanTheBounds() {
        EnergyCharge.Band[] bands = new EnergyCharge.Band[TariffLimits.MAX_BANDS_PER_SEASON + 1];
        for (int i = 0; i < bands.length; i++) {
            bands[i] = allDay("b" + i);
        }
        assertThat(problemsOf(() -> tariff().energy(tou(allYear(bands))).build()))
                .containsExactly("energy.seasons[0].bands: at most 48 bands per season, was 49");
    }

    @Test
    void refusesBandTimesFinerThanAMinute() {
        assertThatThrownBy(() -> tariff().energy(tou(allYear(
                band("a", ALL_DAYS, "00:00:30", "12:00", "0.1"),
                band("b", ALL_DAYS, "12:00", "00:00:30", "0.1")))).build())
                .isInstanceOf(InvalidTariffException.class)
                .hasMessageContaining("season 'all-year' band 'a' times must be whole minutes");
    }
}
