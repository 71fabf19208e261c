package org.smartenergy.platform.tariffjson;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.smartenergy.platform.domain.tariff.DayType;
import org.smartenergy.platform.domain.tariff.DemandCharge;
import org.smartenergy.platform.domain.tariff.EnergyCharge;
import org.smartenergy.platform.domain.tariff.InvalidTariffException;
import org.smartenergy.platform.domain.tariff.Tariff;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalTime;
import java.time.MonthDay;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The tariff JSON document: parsing, refusal of bad documents, and the round trip. */
class TariffJsonTest {

    static String resource(String name) {
        try (InputStream in = TariffJsonTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> problemsOf(String json) {
        InvalidTariffException e = catchThrowableOfType(InvalidTariffException.class, () -> TariffJson.parse(json));
        assertThat(e).as("document should be refused").isNotNull();
        return e.problems();
    }

    @Test
    void parsesTheExampleTimeOfUseTariff() {
        Tariff tariff = TariffJson.parse(resource("/tariffs/example-tou.json"));

        assertThat(tariff.id()).isEqualTo("residential-tou-de");
        assertThat(tariff.version()).isEqualTo(2);
        assertThat(tariff.currency().getCurrencyCode()).isEqualTo("EUR");
        assertThat(tariff.zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
        assertThat(tariff.billingCycle().anchorDay()).isEqualTo(1);
        EnergyCharge.TimeOfUse tou = (EnergyCharge.TimeOfUse) tariff.energy();
        assertThat(tou.holidays()).hasSize(3);
        EnergyCharge.Season winter = tou.seasons().get(0);
        assertThat(winter.from()).isEqualTo(MonthDay.of(10, 1));
        assertThat(winter.to()).isEqualTo(MonthDay.of(3, 31));
        assertThat(winter.bands().get(1)).isEqualTo(new EnergyCharge.Band("off-peak", Set.of(DayType.WEEKDAY),
                LocalTime.of(20, 0), LocalTime.of(7, 0), new BigDecimal("0.2100")));
        assertThat(tariff.riders()).extracting(r -> r.pricePerKwh().toPlainString()).containsExactly("0.0070", "-0.0120");
        assertThat(tariff.standingChargePerDay()).isEqualTo(new BigDecimal("0.4500"));
        assertThat(tariff.demand()).isEqualTo(new DemandCharge(new BigDecimal("0.0150"),
                DemandCharge.Basis.PER_KW_PER_DAY, 15, Set.of("peak")));
        assertThat(tariff.taxes()).extracting(t -> t.name() + " " + t.percent()).containsExactly("Municipal tax 5", "VAT 19");
    }

    @Test
    void aCreationBodysVersionIsNotTheOperatorsToChooseAndEveryOtherProblemIsNamed() {
        // GIVEN the example tariff's document with a version the operator may not set (and one of the wrong type)
        JsonObject body = new JsonObject(resource("/tariffs/example-tou.json"));

        // WHEN read as a creation body, THEN its version is read as 1 (the store assigns the next free one)
        assertThat(TariffJson.definition(body.copy().put("version", 7)).version()).isEqualTo(1);
        assertThat(TariffJson.definition(body.copy().put("version", "seven")))
                .isEqualTo(TariffJson.fromJson(body.copy().put("version", 1)));
        // AND the body itself is left as it was
        assertThat(body.getInteger("version")).isEqualTo(2);

        // AND an invalid body names its problems exactly as the document reader does
        JsonObject invalid = body.copy().put("currency", "XYZ");
        invalid.remove("zone");
        InvalidTariffException e = catchThrowableOfType(InvalidTariffException.class,
                () -> TariffJson.definition(invalid));
        InvalidTariffException direct = catchThrowableOfType(InvalidTariffException.class,
                () -> TariffJson.fromJson(invalid.copy().put("version", 1)));
        assertThat(e.problems()).isEqualTo(direct.problems()).anyMatch(p -> p.startsWith("currency"))
                .contains("zone is missing");
    }

    @Test
    void writesATariffThatReadsBackEqual() {
        Tariff tou = TariffJson.parse(resource("/tariffs/example-tou.json"));
        Tariff tiered = TariffJson.parse("""
                {"id": "blocks", "version": 1, "currency": "CAD", "zone": "America/Toronto",
                 "billingCycle": {"anchorDay": 15},
                 "energy": {"type": "tiered", "prorateThresholds": true,
                            "tiers": [{"upToKwh": "40.5", "pricePerKwh": "0.0738"}, {"pricePerKwh": "0.1138"}]}}""");
        Tariff flat = TariffJson.parse("""
                {"id": "flat", "version": 3, "currency": "JPY", "zone": "Asia/Tokyo", "billingCycle": {"anchorDay": 1},
                 "energy": {"type": "flat", "pricePerKwh": 31},
                 "demand": {"price": "1200", "basis": "PER_KW"}}""");

        for (Tariff tariff : List.of(tou, tiered, flat)) {
            JsonObject written = TariffJson.toJson(tariff);
            assertThat(TariffJson.parse(written.encode())).isEqualTo(tariff);
        }
        assertThat(flat.demand().windowMinutes()).isEqualTo(DemandCharge.DEFAULT_WINDOW_MINUTES);
        assertThat(((EnergyCharge.Tiered) tiered.energy()).prorateThresholds()).isTrue();
    }

    @Test
    void refusesUnknownCurrencyAndZoneAndMissingFieldsTogether() {
        List<String> problems = problemsOf("""
                {"id": "x", "currency": "EURO", "zone": "Europe/Atlantis", "billingCycle": {},
                 "energy": {"type": "flat", "pricePerKwh": "0.2"}}""");

        assertThat(problems).containsExactly(
                "version is missing",
                "currency 'EURO' is unknown or malformed: expected an ISO 4217 currency code",
                "zone 'Europe/Atlantis' is unknown or malformed: expected an IANA time zone",
                "billingCycle.anchorDay is missing");
    }

    @Test
    void refusesMoneyWrittenAsAFloatingPointNumber() {
        List<String> problems = problemsOf("""
                {"id": "x", "version": 1, "currency": "EUR", "zone": "UTC", "billingCycle": {"anchorDay": 1},
                 "energy": {"type": "flat", "pricePerKwh": 0.1}}""");

        assertThat(problems).singleElement().asString()
                .startsWith("energy.pricePerKwh must be a decimal string such as \"0.1\"");
    }

    @Test
    void reportsRuleProblemsOfAWellFormedDocument() {
        List<String> problems = problemsOf("""
                {"id": "x", "version": 1, "currency": "EUR", "zone": "UTC", "billingCycle": {"anchorDay": 1},
                 "energy": {"type": "timeOfUse", "seasons": [{"name": "all", "from": "01-01", "to": "12-31", "bands": [
                   {"name": "day", "dayTypes": ["WEEKDAY", "WEEKEND", "HOLIDAY"], "from": "06:00", "to": "22:00",
                    "pricePerKwh": "0.3"},
                   {"name": "night", "dayTypes": ["WEEKDAY", "WEEKEND", "HOLIDAY"], "from": "22:00", "to": "24:00",
                    "pricePerKwh": "0.1"}]}]},
                 "standingChargePerDay": "-1"}""");

        assertThat(problems).contains(
                "season 'all', WEEKDAY: 00:00-06:00 is not covered by any band (gap)",
                "standing charge per day must not be negative, was -1");
    }

    @Test
    void namesTheRuleProblemsOfEverythingReadableAlongsideTheParseProblems() {
        // GIVEN a document with an unknown currency and zone (parse problems) and rule violations elsewhere
        List<String> problems = problemsOf("""
                {"id": "x", "version": 0, "currency": "EURO", "zone": "Europe/Atlantis", "billingCycle": {"anchorDay": 30},
                 "energy": {"type": "tiered", "tiers": [{"upToKwh": "100", "pricePerKwh": "1E+999999999"},
                                                        {"upToKwh": "50", "pricePerKwh": "0.2"},
                                                        {"pricePerKwh": "-0.3"}]},
                 "riders": [{"name": "levy", "pricePerKwh": "0.123456789012"}],
                 "standingChargePerDay": "-0.5",
                 "demand": {"price": "1", "basis": "PER_KW", "windowMinutes": 7},
                 "taxes": [{"name": "VAT", "percent": "101"}, {"name": "VAT", "percent": "-1"}]}""");

        // THEN all of them are named in one answer, parse problems first, each bound problem by its JSON path
        assertThat(problems).containsExactly(
                "currency 'EURO' is unknown or malformed: expected an ISO 4217 currency code",
                "zone 'Europe/Atlantis' is unknown or malformed: expected an IANA time zone",
                "energy.tiers[0].pricePerKwh must have at most 12 digits before the decimal point and 10 after it,"
                        + " was 1E+999999999",
                "riders[0].pricePerKwh must have at most 12 digits before the decimal point and 10 after it,"
                        + " was 0.123456789012",
                "version must be 1 or more, was 0",
                "billing cycle anchor day must be 1 to 28, was 30",
                "tier thresholds out of order: tier 2 (50 kWh) must be above tier 1 (100 kWh)",
                "tier 3 price must not be negative, was -0.3 (use a rider for a credit)",
                "standing charge per day must not be negative, was -0.5",
                "demand window must be a divisor of 60 minutes (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60), was 7",
                "taxes[0].percent must be 0 to 100, was 101",
                "tax 'VAT' is listed twice",
                "tax 'VAT' must not be negative, was -1%");
    }

    @Test
    void refusesADecimalTextLongerThanTheBoundBeforeParsingIt() {
        String huge = "1" + "0".repeat(200_000);

        List<String> problems = problemsOf("""
                {"id": "x", "version": 1, "currency": "EUR", "zone": "UTC", "billingCycle": {"anchorDay": 1},
                 "energy": {"type": "flat", "pricePerKwh": "%s"}}""".formatted(huge));

        assertThat(problems).containsExactly(
                "energy.pricePerKwh must be a decimal of at most 40 characters, was 200001 characters");
    }

    @Test
    void refusesListsLongerThanTheirBound() {
        String tiers = "{\"upToKwh\": \"1\", \"pricePerKwh\": \"0.1\"}, ".repeat(21);
        List<String> problems = problemsOf("""
                {"id": "x", "version": 1, "currency": "EUR", "zone": "UTC", "billingCycle": {"anchorDay": 1},
                 "energy": {"type": "tiered", "tiers": [%s {"pricePerKwh": "0.2"}]}}""".formatted(tiers));

        assertThat(problems).containsExactly("energy.tiers: at most 20 elements, was 22");
    }

    @Test
    void refusesAnUnknownEnergyTypeAndATextThatIsNotJson() {
        assertThat(problemsOf("""
                {"id": "x", "version": 1, "currency": "EUR", "zone": "UTC", "billingCycle": {"anchorDay": 1},
                 "energy": {"type": "dynamic"}}""")).containsExactly(
                "energy.type must be flat, tiered or timeOfUse, was 'dynamic'");
        assertThat(problemsOf("not json")).singleElement().asString().startsWith("not a JSON object");
    }
}
