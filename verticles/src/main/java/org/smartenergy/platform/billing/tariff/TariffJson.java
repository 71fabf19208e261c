package org.smartenergy.platform.billing.tariff;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.domain.tariff.BillingCycle;
import org.smartenergy.platform.domain.tariff.DayType;
import org.smartenergy.platform.domain.tariff.DemandCharge;
import org.smartenergy.platform.domain.tariff.EnergyCharge;
import org.smartenergy.platform.domain.tariff.InvalidTariffException;
import org.smartenergy.platform.domain.tariff.Rider;
import org.smartenergy.platform.domain.tariff.Tariff;
import org.smartenergy.platform.domain.tariff.Tax;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.MonthDay;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Currency;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads and writes the tariff JSON document described in the {@code org.smartenergy.platform.domain.tariff} package
 * documentation. The thin Vert.x adapter in front of the pure model: parsing collects every problem (missing fields,
 * unknown currency or zone, malformed values) and then lets the {@link Tariff} constructor add the rule checks, so
 * one {@link InvalidTariffException} lists everything wrong with a document.
 *
 * <p>Decimal values (prices, thresholds, percentages) must be JSON strings ({@code "0.2512"}) or integers
 * ({@code 19}): a JSON number with a fraction would pass through binary floating point, which has no place in money.
 */
public final class TariffJson {

    private static final DateTimeFormatter MONTH_DAY = DateTimeFormatter.ofPattern("MM-dd", Locale.ROOT);

    private TariffJson() {
    }

    /** Parses a JSON text; see {@link #fromJson(JsonObject)}. */
    public static Tariff parse(String json) {
        JsonObject object;
        try {
            object = new JsonObject(json);
        } catch (DecodeException | ClassCastException e) {
            throw new InvalidTariffException(List.of("not a JSON object: " + e.getMessage()));
        }
        return fromJson(object);
    }

    /**
     * Builds a tariff from its JSON form.
     *
     * @throws InvalidTariffException naming every problem found
     */
    public static Tariff fromJson(JsonObject json) {
        Reader r = new Reader();
        String id = r.string(json, "id", true);
        Integer version = r.integer(json, "version", true);
        Currency currency = r.get(json, "currency", true, Currency::getInstance, "an ISO 4217 currency code");
        ZoneId zone = r.get(json, "zone", true, ZoneId::of, "an IANA time zone");
        JsonObject cycleJson = r.object(json, "billingCycle", true);
        BillingCycle cycle = null;
        if (cycleJson != null) {
            Integer anchor = r.integer(cycleJson, "anchorDay", true);
            cycle = anchor == null ? null : new BillingCycle(anchor);
        }
        JsonObject energyJson = r.object(json, "energy", true);
        EnergyCharge energy = energyJson == null ? null : r.energy(energyJson);
        List<Rider> riders = new ArrayList<>();
        for (JsonObject o : r.objects(json, "riders")) {
            String name = r.string(o, "name", true);
            BigDecimal price = r.decimal(o, "pricePerKwh", true);
            if (name != null && price != null) {
                riders.add(new Rider(name, price));
            }
        }
        BigDecimal standing = r.decimal(json, "standingChargePerDay", false);
        DemandCharge demand = null;
        JsonObject demandJson = r.object(json, "demand", false);
        if (demandJson != null) {
            BigDecimal price = r.decimal(demandJson, "price", true);
            DemandCharge.Basis basis = r.get(demandJson, "basis", true, DemandCharge.Basis::valueOf,
                    "PER_KW or PER_KW_PER_DAY");
            Integer window = r.integer(demandJson, "windowMinutes", false);
            Set<String> bands = new LinkedHashSet<>(r.strings(demandJson, "bands"));
            if (price != null && basis != null) {
                demand = new DemandCharge(price, basis, window == null ? DemandCharge.DEFAULT_WINDOW_MINUTES : window,
                        bands);
            }
        }
        List<Tax> taxes = new ArrayList<>();
        for (JsonObject o : r.objects(json, "taxes")) {
            String name = r.string(o, "name", true);
            BigDecimal percent = r.decimal(o, "percent", true);
            if (name != null && percent != null) {
                taxes.add(new Tax(name, percent));
            }
        }
        if (!r.problems.isEmpty()) {
            throw new InvalidTariffException(r.problems);
        }
        return new Tariff(id, version, currency, zone, cycle, energy, riders, standing, demand, taxes);
    }

    /** @return the JSON form of {@code tariff}; {@code fromJson(toJson(t))} equals {@code t} */
    public static JsonObject toJson(Tariff tariff) {
        JsonObject json = new JsonObject()
                .put("id", tariff.id())
                .put("version", tariff.version())
                .put("currency", tariff.currency().getCurrencyCode())
                .put("zone", tariff.zone().getId())
                .put("billingCycle", new JsonObject().put("anchorDay", tariff.billingCycle().anchorDay()))
                .put("energy", energyJson(tariff.energy()));
        JsonArray riders = new JsonArray();
        tariff.riders().forEach(rider -> riders.add(new JsonObject()
                .put("name", rider.name()).put("pricePerKwh", rider.pricePerKwh().toPlainString())));
        json.put("riders", riders);
        json.put("standingChargePerDay", tariff.standingChargePerDay().toPlainString());
        if (tariff.demand() != null) {
            DemandCharge d = tariff.demand();
            json.put("demand", new JsonObject()
                    .put("price", d.price().toPlainString())
                    .put("basis", d.basis().name())
                    .put("windowMinutes", d.windowMinutes())
                    .put("bands", new JsonArray(d.bands().stream().sorted().toList())));
        }
        JsonArray taxes = new JsonArray();
        tariff.taxes().forEach(tax -> taxes.add(new JsonObject()
                .put("name", tax.name()).put("percent", tax.percent().toPlainString())));
        json.put("taxes", taxes);
        return json;
    }

    private static JsonObject energyJson(EnergyCharge energy) {
        if (energy instanceof EnergyCharge.Flat flat) {
            return new JsonObject().put("type", "flat").put("pricePerKwh", flat.pricePerKwh().toPlainString());
        }
        if (energy instanceof EnergyCharge.Tiered tiered) {
            JsonArray tiers = new JsonArray();
            for (EnergyCharge.Tier tier : tiered.tiers()) {
                JsonObject t = new JsonObject();
                if (tier.upToKwh() != null) {
                    t.put("upToKwh", tier.upToKwh().toPlainString());
                }
                tiers.add(t.put("pricePerKwh", tier.pricePerKwh().toPlainString()));
            }
            return new JsonObject().put("type", "tiered").put("prorateThresholds", tiered.prorateThresholds())
                    .put("tiers", tiers);
        }
        EnergyCharge.TimeOfUse tou = (EnergyCharge.TimeOfUse) energy;
        JsonArray seasons = new JsonArray();
        for (EnergyCharge.Season season : tou.seasons()) {
            JsonArray bands = new JsonArray();
            for (EnergyCharge.Band band : season.bands()) {
                bands.add(new JsonObject()
                        .put("name", band.name())
                        .put("dayTypes", new JsonArray(band.dayTypes().stream().sorted().map(Enum::name).toList()))
                        .put("from", band.from().toString())
                        .put("to", band.to().toString())
                        .put("pricePerKwh", band.pricePerKwh().toPlainString()));
            }
            seasons.add(new JsonObject()
                    .put("name", season.name())
                    .put("from", MONTH_DAY.format(season.from()))
                    .put("to", MONTH_DAY.format(season.to()))
                    .put("bands", bands));
        }
        return new JsonObject().put("type", "timeOfUse")
                .put("holidays", new JsonArray(tou.holidays().stream().sorted().map(LocalDate::toString).toList()))
                .put("seasons", seasons);
    }

    /** Reads fields, recording a problem (with the field's path) instead of failing on the first one. */
    private static final class Reader {
        final List<String> problems = new ArrayList<>();

        EnergyCharge energy(JsonObject json) {
            String type = string(json, "type", true);
            if (type == null) {
                return null;
            }
            switch (type) {
                case "flat" -> {
                    BigDecimal price = decimal(json, "pricePerKwh", true);
                    return price == null ? null : new EnergyCharge.Flat(price);
                }
                case "tiered" -> {
                    Object prorate = json.getValue("prorateThresholds");
                    if (prorate != null && !(prorate instanceof Boolean)) {
                        problems.add("energy.prorateThresholds must be true or false");
                    }
                    List<EnergyCharge.Tier> tiers = new ArrayList<>();
                    for (JsonObject t : objects(json, "tiers")) {
                        BigDecimal upTo = decimal(t, "upToKwh", false);
                        BigDecimal price = decimal(t, "pricePerKwh", true);
                        if (price != null) {
                            tiers.add(new EnergyCharge.Tier(upTo, price));
                        }
                    }
                    return new EnergyCharge.Tiered(tiers, Boolean.TRUE.equals(prorate));
                }
                case "timeOfUse" -> {
                    Set<LocalDate> holidays = new LinkedHashSet<>();
                    for (String h : strings(json, "holidays")) {
                        LocalDate date = convert("holiday '" + h + "'", h, LocalDate::parse, "a date yyyy-MM-dd");
                        if (date != null) {
                            holidays.add(date);
                        }
                    }
                    List<EnergyCharge.Season> seasons = new ArrayList<>();
                    for (JsonObject s : objects(json, "seasons")) {
                        String name = string(s, "name", true);
                        MonthDay from = get(s, "from", true, v -> MonthDay.parse(v, MONTH_DAY), "a month-day MM-dd");
                        MonthDay to = get(s, "to", true, v -> MonthDay.parse(v, MONTH_DAY), "a month-day MM-dd");
                        List<EnergyCharge.Band> bands = new ArrayList<>();
                        for (JsonObject b : objects(s, "bands")) {
                            String bandName = string(b, "name", true);
                            Set<DayType> dayTypes = EnumSet.noneOf(DayType.class);
                            for (String d : strings(b, "dayTypes")) {
                                DayType dayType = convert("day type '" + d + "'", d, DayType::valueOf,
                                        "WEEKDAY, WEEKEND or HOLIDAY");
                                if (dayType != null) {
                                    dayTypes.add(dayType);
                                }
                            }
                            LocalTime bandFrom = get(b, "from", true, TariffJson::time, "a local time HH:mm");
                            LocalTime bandTo = get(b, "to", true, TariffJson::time, "a local time HH:mm");
                            BigDecimal price = decimal(b, "pricePerKwh", true);
                            if (bandName != null && bandFrom != null && bandTo != null && price != null) {
                                bands.add(new EnergyCharge.Band(bandName, dayTypes, bandFrom, bandTo, price));
                            }
                        }
                        if (name != null && from != null && to != null) {
                            seasons.add(new EnergyCharge.Season(name, from, to, bands));
                        }
                    }
                    return new EnergyCharge.TimeOfUse(seasons, holidays);
                }
                default -> {
                    problems.add("energy.type must be flat, tiered or timeOfUse, was '" + type + "'");
                    return null;
                }
            }
        }

        String string(JsonObject json, String field, boolean required) {
            Object value = json.getValue(field);
            if (value == null) {
                if (required) {
                    problems.add(field + " is missing");
                }
                return null;
            }
            if (!(value instanceof String s)) {
                problems.add(field + " must be a string, was " + value);
                return null;
            }
            return s;
        }

        Integer integer(JsonObject json, String field, boolean required) {
            Object value = json.getValue(field);
            if (value == null) {
                if (required) {
                    problems.add(field + " is missing");
                }
                return null;
            }
            if (value instanceof Integer i) {
                return i;
            }
            problems.add(field + " must be a whole number, was " + value);
            return null;
        }

        BigDecimal decimal(JsonObject json, String field, boolean required) {
            Object value = json.getValue(field);
            if (value == null) {
                if (required) {
                    problems.add(field + " is missing");
                }
                return null;
            }
            if (value instanceof String s) {
                try {
                    return new BigDecimal(s.trim());
                } catch (NumberFormatException e) {
                    problems.add(field + " must be a decimal number, was '" + s + "'");
                    return null;
                }
            }
            if (value instanceof Integer || value instanceof Long) {
                return BigDecimal.valueOf(((Number) value).longValue());
            }
            if (value instanceof BigInteger b) {
                return new BigDecimal(b);
            }
            if (value instanceof BigDecimal d) {
                return d;
            }
            problems.add(field + " must be a decimal string such as \"" + value
                    + "\" (a JSON number with a fraction is binary floating point, not exact)");
            return null;
        }

        <T> T get(JsonObject json, String field, boolean required, Function<String, T> parse, String expected) {
            String s = string(json, field, required);
            return s == null ? null : convert(field + " '" + s + "'", s, parse, expected);
        }

        <T> T convert(String what, String value, Function<String, T> parse, String expected) {
            try {
                return parse.apply(value);
            } catch (IllegalArgumentException | DateTimeException e) {
                problems.add(what + " is unknown or malformed: expected " + expected);
                return null;
            }
        }

        JsonObject object(JsonObject json, String field, boolean required) {
            Object value = json.getValue(field);
            if (value == null) {
                if (required) {
                    problems.add(field + " is missing");
                }
                return null;
            }
            if (value instanceof JsonObject o) {
                return o;
            }
            problems.add(field + " must be an object");
            return null;
        }

        List<JsonObject> objects(JsonObject json, String field) {
            List<JsonObject> out = new ArrayList<>();
            Object value = json.getValue(field);
            if (value == null) {
                return out;
            }
            if (!(value instanceof JsonArray array)) {
                problems.add(field + " must be an array");
                return out;
            }
            for (Object o : array) {
                if (o instanceof JsonObject jo) {
                    out.add(jo);
                } else {
                    problems.add(field + " must hold objects, found " + o);
                }
            }
            return out;
        }

        List<String> strings(JsonObject json, String field) {
            List<String> out = new ArrayList<>();
            Object value = json.getValue(field);
            if (value == null) {
                return out;
            }
            if (!(value instanceof JsonArray array)) {
                problems.add(field + " must be an array of strings");
                return out;
            }
            for (Object o : array) {
                if (o instanceof String s) {
                    out.add(s);
                } else {
                    problems.add(field + " must hold strings, found " + o);
                }
            }
            return out;
        }
    }

    /** "HH:mm"; "24:00" is accepted as an end time meaning midnight. */
    private static LocalTime time(String value) {
        return "24:00".equals(value) ? LocalTime.MIDNIGHT : LocalTime.parse(value);
    }
}
