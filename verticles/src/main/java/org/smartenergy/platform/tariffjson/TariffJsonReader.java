package org.smartenergy.platform.tariffjson;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.domain.tariff.DayType;
import org.smartenergy.platform.domain.tariff.EnergyCharge;
import org.smartenergy.platform.domain.tariff.TariffLimits;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.MonthDay;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads the fields of one tariff document for {@link TariffJson#fromJson}, recording a problem (with the field's JSON
 * path) instead of failing on the first one. A price that is missing or unreadable is reported and read as 0, so that
 * the element it belongs to still takes part in the rule checks without adding problems of its own.
 */
final class TariffJsonReader {
    final List<String> problems = new ArrayList<>();
    /** false if the energy charge could not be read well enough for its rules to be meaningful */
    boolean energyUsable = true;

    EnergyCharge energy(JsonObject json) {
        String type = string(json, "energy", "type", true);
        if (type == null) {
            return null;
        }
        switch (type) {
            case "flat" -> {
                return new EnergyCharge.Flat(price(json, "energy", "pricePerKwh", TariffLimits.Kind.PRICE));
            }
            case "tiered" -> {
                Object prorate = json.getValue("prorateThresholds");
                if (prorate != null && !(prorate instanceof Boolean)) {
                    problems.add("energy.prorateThresholds must be true or false");
                }
                List<EnergyCharge.Tier> tiers = new ArrayList<>();
                int beforeTiers = problems.size();
                List<JsonObject> tierJson = objects(json, "energy", "tiers", TariffLimits.MAX_TIERS);
                if (tierJson.isEmpty() && problems.size() > beforeTiers) {
                    energyUsable = false; // "no tiers" would be a consequence, not a problem of its own
                }
                for (int i = 0; i < tierJson.size(); i++) {
                    JsonObject t = tierJson.get(i);
                    if (t == null) {
                        energyUsable = false;
                        continue;
                    }
                    String at = "energy.tiers[" + i + "]";
                    int before = problems.size();
                    BigDecimal upTo = decimal(t, at, "upToKwh", false, TariffLimits.Kind.KWH);
                    if (problems.size() > before) {
                        // a threshold that cannot be read would make the order checks report nonsense
                        energyUsable = false;
                    }
                    tiers.add(new EnergyCharge.Tier(upTo, price(t, at, "pricePerKwh", TariffLimits.Kind.PRICE)));
                }
                return new EnergyCharge.Tiered(tiers, Boolean.TRUE.equals(prorate));
            }
            case "timeOfUse" -> {
                Set<LocalDate> holidays = new LinkedHashSet<>();
                for (String h : strings(json, "energy", "holidays", TariffLimits.MAX_HOLIDAYS)) {
                    LocalDate date = convert("energy.holidays '" + shorten(h) + "'", h, LocalDate::parse,
                            "a date yyyy-MM-dd");
                    if (date != null) {
                        holidays.add(date);
                    }
                }
                List<EnergyCharge.Season> seasons = new ArrayList<>();
                int beforeSeasons = problems.size();
                List<JsonObject> seasonJson = objects(json, "energy", "seasons", TariffLimits.MAX_SEASONS);
                if (seasonJson.isEmpty() && problems.size() > beforeSeasons) {
                    energyUsable = false;
                }
                for (int si = 0; si < seasonJson.size(); si++) {
                    JsonObject s = seasonJson.get(si);
                    if (s == null) {
                        continue;
                    }
                    String at = "energy.seasons[" + si + "]";
                    String name = string(s, at, "name", true);
                    MonthDay from = get(s, at, "from", true, v -> MonthDay.parse(v, TariffJson.MONTH_DAY), "a month-day MM-dd");
                    MonthDay to = get(s, at, "to", true, v -> MonthDay.parse(v, TariffJson.MONTH_DAY), "a month-day MM-dd");
                    List<EnergyCharge.Band> bands = new ArrayList<>();
                    List<JsonObject> bandJson = objects(s, at, "bands", TariffLimits.MAX_BANDS_PER_SEASON);
                    for (int bi = 0; bi < bandJson.size(); bi++) {
                        JsonObject b = bandJson.get(bi);
                        if (b == null) {
                            continue;
                        }
                        String bandAt = at + ".bands[" + bi + "]";
                        String bandName = string(b, bandAt, "name", true);
                        Set<DayType> dayTypes = EnumSet.noneOf(DayType.class);
                        for (String d : strings(b, bandAt, "dayTypes", DayType.values().length)) {
                            DayType dayType = convert(bandAt + ".dayTypes '" + shorten(d) + "'", d, DayType::valueOf,
                                    "WEEKDAY, WEEKEND or HOLIDAY");
                            if (dayType != null) {
                                dayTypes.add(dayType);
                            }
                        }
                        LocalTime bandFrom = get(b, bandAt, "from", true, TariffJsonReader::time, "a local time HH:mm");
                        LocalTime bandTo = get(b, bandAt, "to", true, TariffJsonReader::time, "a local time HH:mm");
                        BigDecimal price = price(b, bandAt, "pricePerKwh", TariffLimits.Kind.PRICE);
                        if (bandName != null && bandFrom != null && bandTo != null) {
                            bands.add(new EnergyCharge.Band(bandName, dayTypes, bandFrom, bandTo, price));
                        }
                    }
                    if (name != null && from != null && to != null) {
                        seasons.add(new EnergyCharge.Season(name, from, to, bands));
                    } else {
                        // a season that cannot be placed in the year would make the coverage checks misleading
                        energyUsable = false;
                    }
                }
                return new EnergyCharge.TimeOfUse(seasons, holidays);
            }
            default -> {
                problems.add("energy.type must be flat, tiered or timeOfUse, was '" + shorten(type) + "'");
                return null;
            }
        }
    }

    private static String path(String at, String field) {
        return at.isEmpty() ? field : at + "." + field;
    }

    String string(JsonObject json, String at, String field, boolean required) {
        Object value = json.getValue(field);
        if (value == null) {
            if (required) {
                problems.add(path(at, field) + " is missing");
            }
            return null;
        }
        if (!(value instanceof String s)) {
            problems.add(path(at, field) + " must be a string, was " + shorten(String.valueOf(value)));
            return null;
        }
        return s;
    }

    Integer integer(JsonObject json, String at, String field, boolean required) {
        Object value = json.getValue(field);
        if (value == null) {
            if (required) {
                problems.add(path(at, field) + " is missing");
            }
            return null;
        }
        if (value instanceof Integer i) {
            return i;
        }
        problems.add(path(at, field) + " must be a whole number, was " + shorten(String.valueOf(value)));
        return null;
    }

    /** A required price: reported and read as 0 when missing or unreadable. */
    BigDecimal price(JsonObject json, String at, String field, TariffLimits.Kind kind) {
        BigDecimal value = decimal(json, at, field, true, kind);
        return value == null ? BigDecimal.ZERO : value;
    }

    /**
     * A decimal: a JSON string (at most {@link TariffLimits#MAX_DECIMAL_TEXT_LENGTH} characters, checked before
     * it is parsed) or a JSON integer, within the size bounds of {@code kind} (checked on precision and scale).
     *
     * @return the value, or null if it is absent or was reported as a problem
     */
    BigDecimal decimal(JsonObject json, String at, String field, boolean required, TariffLimits.Kind kind) {
        String name = path(at, field);
        Object value = json.getValue(field);
        if (value == null) {
            if (required) {
                problems.add(name + " is missing");
            }
            return null;
        }
        BigDecimal parsed;
        if (value instanceof String s) {
            if (s.length() > TariffLimits.MAX_DECIMAL_TEXT_LENGTH) {
                problems.add(name + " must be a decimal of at most " + TariffLimits.MAX_DECIMAL_TEXT_LENGTH
                        + " characters, was " + s.length() + " characters");
                return null;
            }
            try {
                parsed = new BigDecimal(s.trim());
            } catch (NumberFormatException e) {
                problems.add(name + " must be a decimal number, was '" + s + "'");
                return null;
            }
        } else if (value instanceof Integer || value instanceof Long) {
            parsed = BigDecimal.valueOf(((Number) value).longValue());
        } else if (value instanceof BigInteger b) {
            // the JSON parser bounds a number's text (1000 digits), so this is cheap; the size check refuses it
            parsed = new BigDecimal(b);
        } else if (value instanceof BigDecimal d) {
            parsed = d;
        } else if (value instanceof Number n) {
            String example = Double.isFinite(n.doubleValue()) ? shorten(String.valueOf(value)) : "0.25";
            problems.add(name + " must be a decimal string such as \"" + example + "\" (a JSON number with a"
                    + " fraction or an exponent is binary floating point, not exact), was " + value);
            return null;
        } else {
            problems.add(name + " must be a decimal string such as \"0.25\", was " + shorten(String.valueOf(value)));
            return null;
        }
        String size = TariffLimits.sizeProblem(name, parsed, kind);
        if (size != null) {
            problems.add(size);
            return null;
        }
        return parsed;
    }

    <T> T get(JsonObject json, String at, String field, boolean required, Function<String, T> parse,
              String expected) {
        String s = string(json, at, field, required);
        return s == null ? null : convert(path(at, field) + " '" + shorten(s) + "'", s, parse, expected);
    }

    <T> T convert(String what, String value, Function<String, T> parse, String expected) {
        try {
            return parse.apply(value);
        } catch (IllegalArgumentException | DateTimeException e) {
            problems.add(what + " is unknown or malformed: expected " + expected);
            return null;
        }
    }

    JsonObject object(JsonObject json, String at, String field, boolean required) {
        Object value = json.getValue(field);
        if (value == null) {
            if (required) {
                problems.add(path(at, field) + " is missing");
            }
            return null;
        }
        if (value instanceof JsonObject o) {
            return o;
        }
        problems.add(path(at, field) + " must be an object");
        return null;
    }

    /**
     * @return the array's elements in order, null in place of an element that is not an object (reported);
     *         empty if the array is absent, not an array or longer than {@code max} (reported)
     */
    List<JsonObject> objects(JsonObject json, String at, String field, int max) {
        List<JsonObject> out = new ArrayList<>();
        String name = path(at, field);
        Object value = json.getValue(field);
        if (value == null) {
            return out;
        }
        if (!(value instanceof JsonArray array)) {
            problems.add(name + " must be an array");
            return out;
        }
        if (array.size() > max) {
            problems.add(name + ": at most " + max + " elements, was " + array.size());
            return out;
        }
        for (int i = 0; i < array.size(); i++) {
            if (array.getValue(i) instanceof JsonObject jo) {
                out.add(jo);
            } else {
                problems.add(name + "[" + i + "] must be an object");
                out.add(null);
            }
        }
        return out;
    }

    List<String> strings(JsonObject json, String at, String field, int max) {
        List<String> out = new ArrayList<>();
        String name = path(at, field);
        Object value = json.getValue(field);
        if (value == null) {
            return out;
        }
        if (!(value instanceof JsonArray array)) {
            problems.add(name + " must be an array of strings");
            return out;
        }
        if (array.size() > max) {
            problems.add(name + ": at most " + max + " elements, was " + array.size());
            return out;
        }
        for (int i = 0; i < array.size(); i++) {
            if (array.getValue(i) instanceof String s) {
                out.add(s);
            } else {
                problems.add(name + "[" + i + "] must be a string");
            }
        }
        return out;
    }

    /** Quotes at most 64 characters of a value in a problem message. */
    static String shorten(String value) {
        return value.length() <= 64 ? value : value.substring(0, 64) + "... (" + value.length() + " characters)";
    }

    /** "HH:mm"; "24:00" is accepted as an end time meaning midnight. */
    static LocalTime time(String value) {
        return "24:00".equals(value) ? LocalTime.MIDNIGHT : LocalTime.parse(value);
    }
}
