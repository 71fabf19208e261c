package org.smartenergy.platform.domain.tariff;

import java.math.BigDecimal;
import java.time.LocalTime;
import java.time.MonthDay;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The whole-tariff checks behind {@link Tariff}'s constructor. Collects every problem rather than stopping at one.
 *
 * <p>Every decimal is first checked against {@link TariffLimits} (on its precision and scale only); a value out of
 * bounds is reported with its JSON path and takes no part in any other check, so no check ever expands or computes
 * with it.
 */
public final class TariffValidator {

    static final int MINUTES_PER_DAY = 1440;

    private TariffValidator() {
    }

    /** Every problem of a complete tariff: a null field is reported as missing. */
    static List<String> problems(String id, int version, Currency currency, ZoneId zone, BillingCycle cycle,
                                 EnergyCharge energy, List<Rider> riders, BigDecimal standing, DemandCharge demand,
                                 List<Tax> taxes) {
        List<String> p = new ArrayList<>();
        if (id == null || id.isBlank()) {
            p.add("id is missing");
        }
        if (currency == null) {
            p.add("currency is missing");
        }
        if (zone == null) {
            p.add("zone is missing");
        }
        if (cycle == null) {
            p.add("billing cycle is missing");
        }
        if (energy == null) {
            p.add("energy charge is missing");
        }
        p.addAll(ruleProblems(id, version, currency, cycle, energy, riders, standing, demand, taxes));
        return p;
    }

    /**
     * The rule checks of a tariff that may be incomplete, for a reader that has already reported what is missing or
     * unreadable and wants the rule problems of everything else in the same answer: a null argument (or a null
     * {@code version}) is skipped, not reported.
     *
     * @return the problems found, empty if none
     */
    public static List<String> ruleProblems(String id, Integer version, Currency currency, BillingCycle cycle,
                                            EnergyCharge energy, List<Rider> riders, BigDecimal standing,
                                            DemandCharge demand, List<Tax> taxes) {
        List<String> p = new ArrayList<>();
        if (id != null && id.isBlank()) {
            p.add("id is missing");
        } else if (id != null && (id.length() > TariffLimits.MAX_ID_LENGTH || id.codePoints().anyMatch(
                c -> Character.isISOControl(c) || c == '/' || c == '?' || c == '#' || c == '%'))) {
            // the id goes into a path and a Location header: it must survive both unescaped
            p.add("id must be 1 to " + TariffLimits.MAX_ID_LENGTH
                    + " characters without control characters, '/', '?', '#' or '%'");
        }
        if (version != null && version < 1) {
            p.add("version must be 1 or more, was " + version);
        }
        if (currency != null && currency.getDefaultFractionDigits() < 0) {
            p.add("currency " + currency.getCurrencyCode() + " has no minor unit and cannot be billed in");
        }
        if (cycle != null && (cycle.anchorDay() < 1 || cycle.anchorDay() > 28)) {
            p.add("billing cycle anchor day must be 1 to 28, was " + cycle.anchorDay());
        }
        Set<String> bandNames = new HashSet<>();
        if (energy instanceof EnergyCharge.Flat flat) {
            notNegative(p, "energy.pricePerKwh", "flat energy price", flat.pricePerKwh());
        } else if (energy instanceof EnergyCharge.Tiered tiered) {
            checkTiers(p, tiered);
        } else if (energy instanceof EnergyCharge.TimeOfUse tou) {
            checkTimeOfUse(p, tou, bandNames);
        }
        List<Rider> riderList = riders == null ? List.of() : riders;
        if (riderList.size() > TariffLimits.MAX_RIDERS) {
            p.add("riders: at most " + TariffLimits.MAX_RIDERS + " riders, was " + riderList.size());
        }
        for (int i = 0; i < riderList.size(); i++) {
            Rider rider = riderList.get(i);
            if (rider.name().isBlank()) {
                p.add("a rider has no name");
            }
            withinBounds(p, "riders[" + i + "].pricePerKwh", rider.pricePerKwh(), TariffLimits.Kind.SIGNED_PRICE);
        }
        if (standing != null && withinBounds(p, "standingChargePerDay", standing, TariffLimits.Kind.PRICE)
                && standing.signum() < 0) {
            p.add("standing charge per day must not be negative, was " + standing.toPlainString());
        }
        if (demand != null) {
            notNegative(p, "demand.price", "demand price", demand.price());
            int w = demand.windowMinutes();
            if (w < 1 || w > 60 || 60 % w != 0) {
                p.add("demand window must be a divisor of 60 minutes (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60), was " + w);
            }
            if (demand.bands().size() > TariffLimits.MAX_DEMAND_BANDS) {
                p.add("demand.bands: at most " + TariffLimits.MAX_DEMAND_BANDS + " bands, was "
                        + demand.bands().size());
            } else if (!demand.bands().isEmpty() && energy != null && !(energy instanceof EnergyCharge.TimeOfUse)) {
                p.add("demand limited to bands " + demand.bands() + " needs a time-of-use energy charge");
            } else if (energy instanceof EnergyCharge.TimeOfUse) {
                for (String band : demand.bands()) {
                    if (!bandNames.contains(band)) {
                        p.add("demand names unknown band '" + band + "'");
                    }
                }
            }
        }
        List<Tax> taxList = taxes == null ? List.of() : taxes;
        if (taxList.size() > TariffLimits.MAX_TAXES) {
            p.add("taxes: at most " + TariffLimits.MAX_TAXES + " taxes, was " + taxList.size());
        }
        Set<String> taxNames = new HashSet<>();
        for (int i = 0; i < taxList.size(); i++) {
            Tax tax = taxList.get(i);
            if (tax.name().isBlank()) {
                p.add("a tax has no name");
            } else if (!taxNames.add(tax.name())) {
                p.add("tax '" + tax.name() + "' is listed twice");
            }
            String field = "taxes[" + i + "].percent";
            if (withinBounds(p, field, tax.percent(), TariffLimits.Kind.PERCENT)) {
                if (tax.percent().signum() < 0) {
                    p.add("tax '" + tax.name() + "' must not be negative, was " + tax.percent().toPlainString() + "%");
                } else if (tax.percent().compareTo(TariffLimits.MAX_PERCENT) > 0) {
                    p.add(field + " must be 0 to 100, was " + tax.percent().toPlainString());
                }
            }
        }
        return p;
    }

    /** @return true if the value is within the bounds of {@code kind}; adds the problem otherwise */
    private static boolean withinBounds(List<String> p, String field, BigDecimal value, TariffLimits.Kind kind) {
        String problem = TariffLimits.sizeProblem(field, value, kind);
        if (problem != null) {
            p.add(problem);
            return false;
        }
        return true;
    }

    private static void notNegative(List<String> p, String field, String what, BigDecimal price) {
        if (withinBounds(p, field, price, TariffLimits.Kind.PRICE) && price.signum() < 0) {
            p.add(what + " must not be negative, was " + price.toPlainString() + " (use a rider for a credit)");
        }
    }

    private static void checkTiers(List<String> p, EnergyCharge.Tiered tiered) {
        List<EnergyCharge.Tier> tiers = tiered.tiers();
        if (tiers.isEmpty()) {
            p.add("tiered energy charge has no tiers");
            return;
        }
        if (tiers.size() > TariffLimits.MAX_TIERS) {
            p.add("energy.tiers: at most " + TariffLimits.MAX_TIERS + " tiers, was " + tiers.size());
            return;
        }
        BigDecimal previous = BigDecimal.ZERO;
        for (int i = 0; i < tiers.size(); i++) {
            EnergyCharge.Tier tier = tiers.get(i);
            int n = i + 1;
            notNegative(p, "energy.tiers[" + i + "].pricePerKwh", "tier " + n + " price", tier.pricePerKwh());
            boolean last = i == tiers.size() - 1;
            if (tier.upToKwh() == null) {
                if (!last) {
                    p.add("tier " + n + " has no threshold but is not the last tier");
                }
                continue;
            }
            if (last) {
                p.add("the last tier (" + n + ") must have no threshold: it takes all remaining kWh");
            }
            if (!withinBounds(p, "energy.tiers[" + i + "].upToKwh", tier.upToKwh(), TariffLimits.Kind.KWH)) {
                continue;
            }
            if (tier.upToKwh().signum() <= 0) {
                p.add("tier " + n + " threshold must be positive, was " + tier.upToKwh().toPlainString() + " kWh");
            } else if (tier.upToKwh().compareTo(previous) <= 0) {
                p.add("tier thresholds out of order: tier " + n + " (" + tier.upToKwh().toPlainString()
                        + " kWh) must be above tier " + i + " (" + previous.toPlainString() + " kWh)");
            }
            if (tier.upToKwh().signum() > 0) {
                previous = previous.max(tier.upToKwh());
            }
        }
    }

    private static void checkTimeOfUse(List<String> p, EnergyCharge.TimeOfUse tou, Set<String> bandNames) {
        if (tou.seasons().isEmpty()) {
            p.add("time-of-use energy charge has no seasons");
            return;
        }
        if (tou.seasons().size() > TariffLimits.MAX_SEASONS) {
            p.add("energy.seasons: at most " + TariffLimits.MAX_SEASONS + " seasons, was " + tou.seasons().size());
            return;
        }
        if (tou.holidays().size() > TariffLimits.MAX_HOLIDAYS) {
            p.add("energy.holidays: at most " + TariffLimits.MAX_HOLIDAYS + " holidays, was " + tou.holidays().size());
        }
        Set<String> seasonNames = new HashSet<>();
        for (int si = 0; si < tou.seasons().size(); si++) {
            EnergyCharge.Season season = tou.seasons().get(si);
            if (season.name().isBlank()) {
                p.add("a season has no name");
            } else if (!seasonNames.add(season.name())) {
                p.add("season '" + season.name() + "' is defined twice");
            }
            if (season.bands().size() > TariffLimits.MAX_BANDS_PER_SEASON) {
                p.add("energy.seasons[" + si + "].bands: at most " + TariffLimits.MAX_BANDS_PER_SEASON
                        + " bands per season, was " + season.bands().size());
                continue;
            }
            for (int bi = 0; bi < season.bands().size(); bi++) {
                EnergyCharge.Band band = season.bands().get(bi);
                String where = "season '" + season.name() + "' band '" + band.name() + "'";
                if (band.name().isBlank()) {
                    p.add("season '" + season.name() + "' has a band with no name");
                }
                bandNames.add(band.name());
                if (band.dayTypes().isEmpty()) {
                    p.add(where + " applies to no day type");
                }
                if (band.from().getSecond() != 0 || band.from().getNano() != 0
                        || band.to().getSecond() != 0 || band.to().getNano() != 0) {
                    p.add(where + " times must be whole minutes");
                }
                if (withinBounds(p, "energy.seasons[" + si + "].bands[" + bi + "].pricePerKwh",
                        band.pricePerKwh(), TariffLimits.Kind.PRICE) && band.pricePerKwh().signum() < 0) {
                    p.add(where + " price must not be negative, was " + band.pricePerKwh().toPlainString()
                            + " (use a rider for a credit)");
                }
            }
            for (DayType dayType : DayType.values()) {
                checkMinuteCoverage(p, season, dayType);
            }
        }
        checkSeasonCoverage(p, tou.seasons());
    }

    private static void checkMinuteCoverage(List<String> p, EnergyCharge.Season season, DayType dayType) {
        // one label per minute: null where exactly one band owns it (nothing to report), "" for a gap, the owners'
        // names for an overlap; names are only built for minutes in trouble, so a valid season costs no strings
        List<EnergyCharge.Band> bands = season.bands().stream().filter(b -> b.dayTypes().contains(dayType)).toList();
        String[] labels = new String[MINUTES_PER_DAY];
        for (int m = 0; m < MINUTES_PER_DAY; m++) {
            int owners = 0;
            for (EnergyCharge.Band band : bands) {
                if (band.containsMinute(m)) {
                    owners++;
                }
            }
            if (owners == 0) {
                labels[m] = "";
            } else if (owners > 1) {
                List<String> who = new ArrayList<>();
                for (EnergyCharge.Band band : bands) {
                    if (band.containsMinute(m)) {
                        who.add("'" + band.name() + "'");
                    }
                }
                labels[m] = String.join(", ", who);
            }
        }
        int start = 0;
        while (start < MINUTES_PER_DAY) {
            int end = start;
            while (end < MINUTES_PER_DAY && java.util.Objects.equals(labels[end], labels[start])) {
                end++;
            }
            String label = labels[start];
            if (label != null) {
                String where = "season '" + season.name() + "', " + dayType + ": " + clock(start) + "-" + clock(end);
                p.add(label.isEmpty() ? where + " is not covered by any band (gap)"
                        : where + " is covered by several bands " + label + " (overlap)");
            }
            start = end;
        }
    }

    private static void checkSeasonCoverage(List<String> p, List<EnergyCharge.Season> seasons) {
        // 2024 is a leap year: walking it visits every month-day, 29 February included
        MonthDay runStart = null;
        String runProblem = null;
        MonthDay previous = null;
        for (java.time.LocalDate d = java.time.LocalDate.of(2024, 1, 1); d.getYear() == 2024; d = d.plusDays(1)) {
            MonthDay day = MonthDay.from(d);
            List<String> in = new ArrayList<>();
            for (EnergyCharge.Season s : seasons) {
                if (s.contains(day)) {
                    in.add("'" + s.name() + "'");
                }
            }
            String problem = in.isEmpty() ? "in no season (gap)"
                    : in.size() > 1 ? "in several seasons " + String.join(", ", in) + " (overlap)" : null;
            if (!java.util.Objects.equals(problem, runProblem)) {
                if (runProblem != null) {
                    p.add("days " + md(runStart) + " to " + md(previous) + " are " + runProblem);
                }
                runStart = day;
                runProblem = problem;
            }
            previous = day;
        }
        if (runProblem != null) {
            p.add("days " + md(runStart) + " to " + md(previous) + " are " + runProblem);
        }
    }

    private static String md(MonthDay d) {
        return String.format(Locale.ROOT, "%02d-%02d", d.getMonthValue(), d.getDayOfMonth());
    }

    private static String clock(int minute) {
        return minute == MINUTES_PER_DAY ? "24:00" : LocalTime.of(minute / 60, minute % 60).toString();
    }
}
