package org.smartenergy.platform.domain.tariff;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.MonthDay;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How energy (kWh) is priced: one of {@link Flat}, {@link Tiered} or {@link TimeOfUse}.
 */
public sealed interface EnergyCharge {

    /**
     * One price for every kWh.
     *
     * @param pricePerKwh currency units per kWh, not negative
     */
    record Flat(BigDecimal pricePerKwh) implements EnergyCharge {
        public Flat {
            Objects.requireNonNull(pricePerKwh, "pricePerKwh");
        }
    }

    /**
     * Block rates on the energy of one billing period: tier 1 up to its {@code upToKwh}, tier 2 from there up to its
     * own {@code upToKwh}, ... the last tier (no {@code upToKwh}) takes the rest.
     *
     * <p>With {@code prorateThresholds}, a partial period's thresholds are scaled by days: {@code upToKwh x
     * days in the partial period / days in the full period}, rounded half-even to 6 decimals (whole mWh).
     *
     * @param tiers             in increasing order of threshold; the last one is unbounded
     * @param prorateThresholds scale thresholds for partial periods
     */
    record Tiered(List<Tier> tiers, boolean prorateThresholds) implements EnergyCharge {
        public Tiered {
            tiers = List.copyOf(tiers);
        }
    }

    /**
     * A block of a tiered rate.
     *
     * @param upToKwh     cumulative upper bound of the block in kWh (exclusive of later blocks); null for the last
     * @param pricePerKwh currency units per kWh, not negative
     */
    record Tier(BigDecimal upToKwh, BigDecimal pricePerKwh) {
        public Tier {
            Objects.requireNonNull(pricePerKwh, "pricePerKwh");
        }
    }

    /**
     * Time-of-use: the price depends on the season, the kind of day and the local wall-clock time.
     *
     * @param seasons  covering every day of the year (29 February included) exactly once
     * @param holidays local dates rated as {@link DayType#HOLIDAY}
     */
    record TimeOfUse(List<Season> seasons, Set<LocalDate> holidays) implements EnergyCharge {
        public TimeOfUse {
            seasons = List.copyOf(seasons);
            holidays = Set.copyOf(holidays == null ? Set.of() : holidays);
        }

        /** @return the kind of day {@code date} is in this tariff */
        public DayType dayType(LocalDate date) {
            if (holidays.contains(date)) {
                return DayType.HOLIDAY;
            }
            return switch (date.getDayOfWeek()) {
                case SATURDAY, SUNDAY -> DayType.WEEKEND;
                default -> DayType.WEEKDAY;
            };
        }
    }

    /**
     * A season: the days from {@code from} to {@code to}, both inclusive; wraps the year end when {@code to} is
     * before {@code from} (e.g. 11-01 to 03-31).
     *
     * @param name  shown on the bill
     * @param from  first day
     * @param to    last day (inclusive)
     * @param bands for each {@link DayType}, the bands must cover every local minute of the day exactly once
     */
    record Season(String name, MonthDay from, MonthDay to, List<Band> bands) {
        public Season {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            bands = List.copyOf(bands);
        }

        /** @return true if the day {@code day} of the year is in this season */
        public boolean contains(MonthDay day) {
            if (!to.isBefore(from)) {
                return !day.isBefore(from) && !day.isAfter(to);
            }
            return !day.isBefore(from) || !day.isAfter(to);
        }
    }

    /**
     * A time-of-use band: on the given kinds of day, local wall-clock time from {@code from} (inclusive) to
     * {@code to} (exclusive), minute resolution. {@code to} before {@code from} crosses midnight (22:00 to 06:00);
     * {@code to} equal to {@code from} is the whole day; {@code to} 00:00 means up to midnight.
     *
     * @param name        shown on the bill; the same name may be used in several seasons
     * @param dayTypes    the kinds of day the band applies on, not empty
     * @param from        start, local time
     * @param to          end (exclusive), local time
     * @param pricePerKwh currency units per kWh, not negative
     */
    record Band(String name, Set<DayType> dayTypes, LocalTime from, LocalTime to, BigDecimal pricePerKwh) {
        public Band {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            Objects.requireNonNull(pricePerKwh, "pricePerKwh");
            dayTypes = Set.copyOf(dayTypes);
        }

        /** @return true if the local minute of day {@code minute} (0 to 1439) is in this band */
        public boolean containsMinute(int minute) {
            int start = from.getHour() * 60 + from.getMinute();
            int end = to.getHour() * 60 + to.getMinute();
            if (start == end) {
                return true;
            }
            if (start < end) {
                return minute >= start && minute < end;
            }
            return minute >= start || minute < end;
        }
    }
}
