package org.smartenergy.platform.domain.tariff;

import org.smartenergy.platform.domain.MeterReading;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.MonthDay;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Set;

/** Builders shared by the tariff specifications: tariffs with defaults, readings in kWh, local times. */
final class TariffFixtures {

    static final Currency EUR = Currency.getInstance("EUR");
    static final ZoneId UTC = ZoneOffset.UTC;
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    static final Set<DayType> WEEKDAY = Set.of(DayType.WEEKDAY);
    static final Set<DayType> ALL_DAYS = Set.of(DayType.values());

    private static long seq;

    private TariffFixtures() {
    }

    static BigDecimal d(String value) {
        return new BigDecimal(value);
    }

    static BillingPeriod period(String start, String end) {
        return new BillingPeriod(LocalDate.parse(start), LocalDate.parse(end));
    }

    /** A reading ending at a UTC instant. */
    static MeterReading reading(String endUtc, int intervalSeconds, String kwh) {
        return reading("meter-1", Instant.parse(endUtc), intervalSeconds, kwh);
    }

    /** A reading ending at a local wall-clock time (yyyy-MM-ddTHH:mm) in {@code zone}. */
    static MeterReading readingLocal(ZoneId zone, String endLocal, int intervalSeconds, String kwh) {
        return reading("meter-1", LocalDateTime.parse(endLocal).atZone(zone).toInstant(), intervalSeconds, kwh);
    }

    static MeterReading reading(String device, Instant end, int intervalSeconds, String kwh) {
        return new MeterReading(device, end, d(kwh).movePointRight(6).longValueExact(), ++seq, intervalSeconds);
    }

    /** Readings of {@code kwh} every {@code intervalSeconds} covering local day {@code day} in {@code zone}. */
    static List<MeterReading> wholeDay(ZoneId zone, LocalDate day, int intervalSeconds, String kwh) {
        Instant start = day.atStartOfDay(zone).toInstant();
        Instant end = day.plusDays(1).atStartOfDay(zone).toInstant();
        List<MeterReading> out = new ArrayList<>();
        for (Instant t = start.plusSeconds(intervalSeconds); !t.isAfter(end); t = t.plusSeconds(intervalSeconds)) {
            out.add(reading("meter-1", t, intervalSeconds, kwh));
        }
        return out;
    }

    static EnergyCharge.Flat flat(String price) {
        return new EnergyCharge.Flat(d(price));
    }

    static EnergyCharge.Band band(String name, Set<DayType> days, String from, String to, String price) {
        return new EnergyCharge.Band(name, days, LocalTime.parse(from), LocalTime.parse(to), d(price));
    }

    static EnergyCharge.Season season(String name, String from, String to, EnergyCharge.Band... bands) {
        return new EnergyCharge.Season(name, MonthDay.parse("--" + from), MonthDay.parse("--" + to), List.of(bands));
    }

    static EnergyCharge.Season allYear(EnergyCharge.Band... bands) {
        return season("all-year", "01-01", "12-31", bands);
    }

    static EnergyCharge.TimeOfUse tou(EnergyCharge.Season... seasons) {
        return new EnergyCharge.TimeOfUse(List.of(seasons), Set.of());
    }

    static TariffBuilder tariff() {
        return new TariffBuilder();
    }

    /** Amount and quantity of the single line whose description starts with {@code prefix}. */
    static BillLine line(Bill bill, String prefix) {
        List<BillLine> found = new ArrayList<>();
        for (BillLine l : bill.lines()) {
            if (l.description().startsWith(prefix)) {
                found.add(l);
            }
        }
        if (found.size() != 1) {
            throw new AssertionError("expected one line starting with '" + prefix + "', found " + found
                    + " in " + bill.lines());
        }
        return found.get(0);
    }

    static final class TariffBuilder {
        String id = "test-tariff";
        int version = 1;
        Currency currency = EUR;
        ZoneId zone = UTC;
        int anchorDay = 1;
        EnergyCharge energy = flat("0.20");
        List<Rider> riders = new ArrayList<>();
        BigDecimal standing = BigDecimal.ZERO;
        DemandCharge demand;
        List<Tax> taxes = new ArrayList<>();

        TariffBuilder zone(ZoneId value) {
            zone = value;
            return this;
        }

        TariffBuilder currency(String code) {
            currency = Currency.getInstance(code);
            return this;
        }

        TariffBuilder anchorDay(int value) {
            anchorDay = value;
            return this;
        }

        TariffBuilder energy(EnergyCharge value) {
            energy = value;
            return this;
        }

        TariffBuilder rider(String name, String price) {
            riders.add(new Rider(name, d(price)));
            return this;
        }

        TariffBuilder standing(String perDay) {
            standing = d(perDay);
            return this;
        }

        TariffBuilder demand(String price, DemandCharge.Basis basis, int windowMinutes, String... bands) {
            demand = new DemandCharge(d(price), basis, windowMinutes, Set.of(bands));
            return this;
        }

        TariffBuilder tax(String name, String percent) {
            taxes.add(new Tax(name, d(percent)));
            return this;
        }

        Tariff build() {
            return new Tariff(id, version, currency, zone, new BillingCycle(anchorDay), energy, riders, standing,
                    demand, taxes);
        }
    }
}
