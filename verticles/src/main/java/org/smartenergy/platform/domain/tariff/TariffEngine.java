package org.smartenergy.platform.domain.tariff;

import org.smartenergy.platform.domain.Energy;
import org.smartenergy.platform.domain.MeterReading;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.MonthDay;
import java.time.ZoneId;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Rates a billing period's readings with a {@link Tariff}. Pure and stateless: no I/O, no clock, no Vert.x; the same
 * inputs always give the same {@link Bill}, whatever the order of the readings.
 *
 * <h2>Which energy counts</h2>
 * <ul>
 *   <li>Readings are de-duplicated by {@code (deviceId, timestamp)}: a reading sent twice counts once. Should two
 *       readings share a key but differ in content (storage normally prevents it), the one with the highest
 *       {@code (usageMwh, intervalSeconds, seq)} is kept, so the choice does not depend on order.</li>
 *   <li>A reading covers {@code (timestamp - intervalSeconds, timestamp]}. Only the part of that interval inside the
 *       period counts in the period.</li>
 *   <li><b>Splitting.</b> Where a reading's interval crosses a period boundary, a time-of-use band boundary (which
 *       includes local midnight: day type and season change there) or a demand window boundary, its energy is split
 *       pro rata by time, in whole mWh and without loss: the energy attributed to the first {@code t} ms of an
 *       interval of {@code T} ms holding {@code E} mWh is {@code floor(E x t / T)}, and each piece receives the
 *       difference of that cumulative figure at its end and at its start. Pieces therefore always add up to the
 *       reading (across adjacent periods too); a piece may differ from the exact pro-rata share by under 1 mWh.</li>
 *   <li>Energy of all the readings' devices is added together (a bill is for one account).</li>
 * </ul>
 *
 * <h2>Time and DST</h2>
 * Everything is computed on instants. A period is {@code [00:00 local on start, 00:00 local on end)} in the tariff's
 * zone. To classify a moment (season, day type, band) it is converted to local wall-clock time in the tariff's zone:
 * on a 23-hour spring-forward day the skipped local hour simply has no energy; on a 25-hour fall-back day both passes
 * through the repeated hour are rated in the band of that wall-clock time. The standing charge and the per-day demand
 * charge count calendar days, so such a day is one day. Demand windows are laid every {@code windowMinutes} of
 * elapsed time from the period start.
 *
 * <h2>Proration of a partial period</h2>
 * A period shorter than the billing cycle that contains it (move-in, move-out) pays the standing charge (and a
 * {@link DemandCharge.Basis#PER_KW_PER_DAY} demand charge) for its own days only; tier thresholds are scaled by
 * {@code days in the period / days in the cycle} if the tariff asks for it (rounded half-even to 6 decimals). A
 * {@link DemandCharge.Basis#PER_KW} demand charge is not prorated.
 *
 * <h2>Rounding</h2>
 * Money is {@link BigDecimal} throughout; energy is exact ({@code mWh / 1,000,000}, scale 6). Each line
 * {@code amount = quantity x unit price}, rounded {@link RoundingMode#HALF_EVEN} to the currency's minor unit;
 * {@code subtotal} = sum of the rounded lines; each tax line = {@code subtotal x percent / 100} rounded
 * {@code HALF_EVEN} to the minor unit; {@code total = subtotal + taxes (+ adjustments)}. Unit prices are shown exactly
 * as in the tariff, so a customer can recompute every line by hand.
 */
public final class TariffEngine {

    private static final long MINUTE_MS = 60_000L;
    private static final int KWH_SCALE = 6;

    private TariffEngine() {
    }

    /** Rates a period without adjustments; see {@link #rate(Tariff, BillingPeriod, Collection, List)}. */
    public static Bill rate(Tariff tariff, BillingPeriod period, Collection<MeterReading> readings) {
        return rate(tariff, period, readings, List.of());
    }

    /**
     * Rates a period.
     *
     * @param tariff      the tariff in force for the whole period
     * @param period      a full billing cycle of the tariff, or a part of one (partial period)
     * @param readings    the account's readings; any order, duplicates allowed, readings partly or wholly outside
     *                    the period allowed (only what falls inside counts)
     * @param adjustments corrections of earlier periods to carry on this bill (may be empty)
     * @return the bill
     * @throws IllegalArgumentException if the period spans two billing cycles of the tariff, or an adjustment's amount
     *                                  has more decimals than the currency's minor unit
     */
    public static Bill rate(Tariff tariff, BillingPeriod period, Collection<MeterReading> readings,
                            List<Adjustment> adjustments) {
        Objects.requireNonNull(tariff, "tariff");
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(readings, "readings");
        Objects.requireNonNull(adjustments, "adjustments");
        BillingPeriod cycle = tariff.billingCycle().periodContaining(period.start());
        if (!cycle.encloses(period)) {
            throw new IllegalArgumentException("period " + period + " spans more than the billing cycle " + cycle
                    + " of tariff " + tariff.id() + "; rate each cycle separately");
        }
        Usage usage = measure(tariff, period, readings);
        int digits = tariff.minorUnitDigits();
        BigDecimal totalKwh = Energy.toKwhExact(usage.totalMwh());

        List<BillLine> lines = new ArrayList<>();
        energyLines(tariff, period, cycle, usage, totalKwh, digits, lines);
        for (Rider rider : tariff.riders()) {
            addLine(lines, BillLine.Kind.RIDER, rider.name(), totalKwh, BillLine.Unit.KWH, rider.pricePerKwh(), digits);
        }
        if (tariff.standingChargePerDay().signum() != 0) {
            addLine(lines, BillLine.Kind.STANDING, "Standing charge, " + period.days() + " days",
                    BigDecimal.valueOf(period.days()), BillLine.Unit.DAY, tariff.standingChargePerDay(), digits);
        }
        demandLine(tariff, period, usage, digits, lines);

        BigDecimal subtotal = sum(lines, digits);
        List<BillLine> taxLines = new ArrayList<>();
        for (Tax tax : tariff.taxes()) {
            BigDecimal amount = subtotal.multiply(tax.percent()).movePointLeft(2).setScale(digits, RoundingMode.HALF_EVEN);
            taxLines.add(new BillLine(BillLine.Kind.TAX,
                    tax.name() + " " + tax.percent().toPlainString() + "% of " + subtotal.toPlainString(),
                    tax.percent(), BillLine.Unit.PERCENT, subtotal, amount));
        }
        BigDecimal taxTotal = sum(taxLines, digits);

        List<BillLine> adjustmentLines = new ArrayList<>();
        for (Adjustment adjustment : adjustments) {
            BigDecimal amount;
            try {
                amount = adjustment.amount().setScale(digits, RoundingMode.UNNECESSARY);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("adjustment for " + adjustment.correctedPeriod() + " has amount "
                        + adjustment.amount().toPlainString() + ", finer than the currency's minor unit", e);
            }
            adjustmentLines.add(new BillLine(BillLine.Kind.ADJUSTMENT,
                    "Correction for period " + adjustment.correctedPeriod() + ": " + adjustment.description(),
                    BigDecimal.ONE, BillLine.Unit.ITEM, amount, amount));
        }
        BigDecimal adjustmentTotal = sum(adjustmentLines, digits);

        return new Bill(tariff.id(), tariff.version(), period, tariff.currency(), lines, subtotal, taxLines, taxTotal,
                adjustmentLines, adjustmentTotal, subtotal.add(taxTotal).add(adjustmentTotal), totalKwh,
                usage.readingCount());
    }

    /**
     * The correction to carry on a later bill when a closed period is re-rated (e.g. late readings arrived):
     * {@code rerated.periodCharges() - issued.periodCharges()} (taxes included; adjustments that the issued bill
     * itself carried for older periods are not part of it).
     *
     * @param issued  what the customer was charged for the period so far; after an earlier correction, pass the bill
     *                that correction was computed from as {@code rerated}
     * @param rerated the same period rated again with the complete readings
     * @throws IllegalArgumentException if the bills are not for the same period and currency
     */
    public static Adjustment adjustmentFor(Bill issued, Bill rerated) {
        if (!issued.period().equals(rerated.period())) {
            throw new IllegalArgumentException("cannot compare bills of different periods: " + issued.period()
                    + " and " + rerated.period());
        }
        if (!issued.currency().equals(rerated.currency())) {
            throw new IllegalArgumentException("cannot compare bills in " + issued.currency() + " and "
                    + rerated.currency());
        }
        BigDecimal was = issued.periodCharges();
        BigDecimal now = rerated.periodCharges();
        String description = "re-rated with " + rerated.readingCount() + " readings, "
                + rerated.totalKwh().toPlainString() + " kWh (issued: " + issued.readingCount() + " readings, "
                + issued.totalKwh().toPlainString() + " kWh); charges " + now.toPlainString() + " instead of "
                + was.toPlainString() + " " + issued.currency().getCurrencyCode();
        return new Adjustment(issued.period(), description, now.subtract(was));
    }

    // ---------------------------------------------------------------------------------------------------------
    // measuring: readings -> energy per band and per demand window

    /** Energy of the period per band (index as in {@link Classifier}) and per demand window. */
    private record Usage(long[] bandMwh, Map<Long, Long> windowMwh, long totalMwh, int readingCount,
                         Classifier classifier, long periodStartMs) {
    }

    private static Usage measure(Tariff tariff, BillingPeriod period, Collection<MeterReading> readings) {
        ZoneId zone = tariff.zone();
        long ps = period.startInstant(zone).toEpochMilli();
        long pe = period.endInstant(zone).toEpochMilli();
        Classifier classifier = new Classifier(tariff);
        DemandCharge demand = tariff.demand();
        long windowMs = demand == null ? 0 : demand.windowMinutes() * MINUTE_MS;
        boolean[] demandBand = new boolean[classifier.bandCount()];
        for (int i = 0; i < demandBand.length; i++) {
            demandBand[i] = demand != null && (demand.bands().isEmpty() || demand.bands().contains(classifier.bandName(i)));
        }
        long[] bandMwh = new long[classifier.bandCount()];
        Map<Long, Long> windowMwh = new HashMap<>();
        int count = 0;
        for (MeterReading r : deduplicate(readings)) {
            long end = r.timestamp().toEpochMilli();
            long start = end - r.intervalSeconds() * 1000L;
            long lo = Math.max(start, ps);
            long hi = Math.min(end, pe);
            if (lo >= hi) {
                continue;
            }
            count++;
            long segStart = lo;
            int segBand = classifier.band(lo);
            long segWindow = windowMs == 0 ? 0 : Math.floorDiv(lo - ps, windowMs);
            long cursor = lo;
            while (cursor < hi) {
                long next = Math.min(hi, Math.floorDiv(cursor, MINUTE_MS) * MINUTE_MS + MINUTE_MS);
                if (next < hi) {
                    int band = classifier.band(next);
                    long window = windowMs == 0 ? 0 : Math.floorDiv(next - ps, windowMs);
                    if (band != segBand || window != segWindow) {
                        long mwh = share(r.usageMwh(), start, end, segStart, next);
                        record(bandMwh, windowMwh, demandBand, segBand, segWindow, mwh);
                        segStart = next;
                        segBand = band;
                        segWindow = window;
                    }
                }
                cursor = next;
            }
            record(bandMwh, windowMwh, demandBand, segBand, segWindow, share(r.usageMwh(), start, end, segStart, hi));
        }
        long total = 0;
        for (long mwh : bandMwh) {
            total = Math.addExact(total, mwh);
        }
        return new Usage(bandMwh, windowMwh, total, count, classifier, ps);
    }

    private static void record(long[] bandMwh, Map<Long, Long> windowMwh, boolean[] demandBand, int band, long window,
                               long mwh) {
        bandMwh[band] = Math.addExact(bandMwh[band], mwh);
        if (demandBand[band]) {
            windowMwh.merge(window, mwh, Math::addExact);
        }
    }

    /** Energy of the piece {@code [from, to)} of a reading covering {@code [start, end)} (see class doc). */
    private static long share(long mwh, long start, long end, long from, long to) {
        return cumulative(mwh, to - start, end - start) - cumulative(mwh, from - start, end - start);
    }

    /** {@code floor(mwh x elapsed / total)} without overflow; all arguments non-negative. */
    private static long cumulative(long mwh, long elapsed, long total) {
        if (Math.multiplyHigh(mwh, elapsed) == 0) {
            long product = mwh * elapsed;
            if (product >= 0) {
                return product / total;
            }
        }
        return BigInteger.valueOf(mwh).multiply(BigInteger.valueOf(elapsed))
                .divide(BigInteger.valueOf(total)).longValueExact();
    }

    private static Collection<MeterReading> deduplicate(Collection<MeterReading> readings) {
        Comparator<MeterReading> preference = Comparator.comparingLong(MeterReading::usageMwh)
                .thenComparingInt(MeterReading::intervalSeconds)
                .thenComparingLong(MeterReading::seq);
        Map<MeterReading.ReadingKey, MeterReading> distinct = new HashMap<>();
        for (MeterReading r : readings) {
            distinct.merge(r.key(), r, (a, b) -> preference.compare(a, b) >= 0 ? a : b);
        }
        return distinct.values();
    }

    // ---------------------------------------------------------------------------------------------------------
    // lines

    private static void energyLines(Tariff tariff, BillingPeriod period, BillingPeriod cycle, Usage usage,
                                    BigDecimal totalKwh, int digits, List<BillLine> lines) {
        EnergyCharge energy = tariff.energy();
        if (energy instanceof EnergyCharge.Flat flat) {
            addLine(lines, BillLine.Kind.ENERGY, "Energy", totalKwh, BillLine.Unit.KWH, flat.pricePerKwh(), digits);
        } else if (energy instanceof EnergyCharge.Tiered tiered) {
            boolean prorate = tiered.prorateThresholds() && period.days() != cycle.days();
            BigDecimal lower = BigDecimal.ZERO.setScale(KWH_SCALE);
            for (int i = 0; i < tiered.tiers().size(); i++) {
                EnergyCharge.Tier tier = tiered.tiers().get(i);
                BigDecimal upper = null;
                String bound;
                if (tier.upToKwh() == null) {
                    bound = "above " + lower.stripTrailingZeros().toPlainString() + " kWh";
                } else {
                    upper = prorate
                            ? tier.upToKwh().multiply(BigDecimal.valueOf(period.days()))
                                    .divide(BigDecimal.valueOf(cycle.days()), KWH_SCALE, RoundingMode.HALF_EVEN)
                            : tier.upToKwh().setScale(KWH_SCALE, RoundingMode.UNNECESSARY);
                    bound = lower.stripTrailingZeros().toPlainString() + " to "
                            + upper.stripTrailingZeros().toPlainString() + " kWh"
                            + (prorate ? " (" + tier.upToKwh().toPlainString() + " kWh x " + period.days() + "/"
                                    + cycle.days() + " days)" : "");
                }
                BigDecimal inTier = totalKwh.subtract(lower).max(BigDecimal.ZERO);
                if (upper != null) {
                    inTier = inTier.min(upper.subtract(lower).max(BigDecimal.ZERO));
                }
                addLine(lines, BillLine.Kind.ENERGY, "Energy tier " + (i + 1) + ": " + bound, inTier,
                        BillLine.Unit.KWH, tier.pricePerKwh(), digits);
                if (upper != null) {
                    lower = lower.max(upper);
                }
            }
        } else {
            Classifier c = usage.classifier();
            Map<String, long[]> groups = new LinkedHashMap<>();
            Map<String, BigDecimal> prices = new HashMap<>();
            for (int band = 0; band < c.bandCount(); band++) {
                String label = "Energy " + c.seasonName(band) + " " + c.bandName(band);
                String key = label + "@" + c.price(band).toPlainString();
                groups.computeIfAbsent(key, k -> new long[1])[0] += usage.bandMwh()[band];
                prices.put(key, c.price(band));
            }
            groups.forEach((key, mwh) -> addLine(lines, BillLine.Kind.ENERGY, key.substring(0, key.lastIndexOf('@')),
                    Energy.toKwhExact(mwh[0]), BillLine.Unit.KWH, prices.get(key), digits));
        }
    }

    private static void demandLine(Tariff tariff, BillingPeriod period, Usage usage, int digits, List<BillLine> lines) {
        DemandCharge demand = tariff.demand();
        if (demand == null || usage.windowMwh().isEmpty()) {
            return;
        }
        long bestWindow = 0;
        long bestMwh = -1;
        for (Map.Entry<Long, Long> e : usage.windowMwh().entrySet()) {
            if (e.getValue() > bestMwh || (e.getValue() == bestMwh && e.getKey() < bestWindow)) {
                bestWindow = e.getKey();
                bestMwh = e.getValue();
            }
        }
        // window minutes divide 60, so kW = kWh x (60 / minutes) is exact
        BigDecimal kw = Energy.toKwhExact(bestMwh).multiply(BigDecimal.valueOf(60 / demand.windowMinutes()));
        Instant windowStart = Instant.ofEpochMilli(usage.periodStartMs() + bestWindow * demand.windowMinutes() * MINUTE_MS);
        String what = "Demand charge: highest " + demand.windowMinutes() + "-min demand "
                + kw.toPlainString() + " kW"
                + (demand.bands().isEmpty() ? "" : " in " + String.join("/", demand.bands().stream().sorted().toList()))
                + ", window starting " + windowStart.atZone(tariff.zone()).toOffsetDateTime();
        if (demand.basis() == DemandCharge.Basis.PER_KW) {
            addLine(lines, BillLine.Kind.DEMAND, what, kw, BillLine.Unit.KW, demand.price(), digits);
        } else {
            addLine(lines, BillLine.Kind.DEMAND, what + ", x " + period.days() + " days",
                    kw.multiply(BigDecimal.valueOf(period.days())), BillLine.Unit.KW_DAY, demand.price(), digits);
        }
    }

    /** Adds {@code quantity x unitPrice} rounded half-even, unless the quantity is zero. */
    private static void addLine(List<BillLine> lines, BillLine.Kind kind, String description, BigDecimal quantity,
                                BillLine.Unit unit, BigDecimal unitPrice, int digits) {
        if (quantity.signum() == 0) {
            return;
        }
        BigDecimal amount = quantity.multiply(unitPrice).setScale(digits, RoundingMode.HALF_EVEN);
        lines.add(new BillLine(kind, description, quantity, unit, unitPrice, amount));
    }

    private static BigDecimal sum(List<BillLine> lines, int digits) {
        BigDecimal sum = BigDecimal.ZERO.setScale(digits);
        for (BillLine line : lines) {
            sum = sum.add(line.amount());
        }
        return sum;
    }

    // ---------------------------------------------------------------------------------------------------------
    // classification: instant -> band

    /**
     * Maps an instant to a band index. For flat and tiered tariffs there is one band (0). For time-of-use, bands are
     * numbered in tariff order across seasons; the local date gives the season and day type, the local minute of day
     * the band.
     */
    private static final class Classifier {
        private final ZoneRules rules;
        private final EnergyCharge.TimeOfUse tou;
        private final List<String> seasonNames = new ArrayList<>();
        private final List<String> bandNames = new ArrayList<>();
        private final List<BigDecimal> prices = new ArrayList<>();
        /** [season][dayType][minute of day] -> band index */
        private final int[][][] table;
        private long cachedDay = Long.MIN_VALUE;
        private int[] cachedMinutes;

        Classifier(Tariff tariff) {
            this.rules = tariff.zone().getRules();
            if (tariff.energy() instanceof EnergyCharge.TimeOfUse t) {
                this.tou = t;
                this.table = new int[t.seasons().size()][DayType.values().length][];
                for (int s = 0; s < t.seasons().size(); s++) {
                    EnergyCharge.Season season = t.seasons().get(s);
                    int first = bandNames.size();
                    for (EnergyCharge.Band band : season.bands()) {
                        seasonNames.add(season.name());
                        bandNames.add(band.name());
                        prices.add(band.pricePerKwh());
                    }
                    for (DayType dayType : DayType.values()) {
                        int[] minutes = new int[TariffValidator.MINUTES_PER_DAY];
                        for (int m = 0; m < minutes.length; m++) {
                            for (int b = 0; b < season.bands().size(); b++) {
                                EnergyCharge.Band band = season.bands().get(b);
                                if (band.dayTypes().contains(dayType) && band.containsMinute(m)) {
                                    minutes[m] = first + b;
                                }
                            }
                        }
                        table[s][dayType.ordinal()] = minutes;
                    }
                }
            } else {
                this.tou = null;
                this.table = null;
                seasonNames.add("");
                bandNames.add("");
                prices.add(BigDecimal.ZERO);
            }
        }

        int bandCount() {
            return bandNames.size();
        }

        String bandName(int band) {
            return bandNames.get(band);
        }

        String seasonName(int band) {
            return seasonNames.get(band);
        }

        BigDecimal price(int band) {
            return prices.get(band);
        }

        int band(long epochMilli) {
            if (tou == null) {
                return 0;
            }
            Instant instant = Instant.ofEpochMilli(epochMilli);
            long localSecond = Math.floorDiv(epochMilli, 1000L) + rules.getOffset(instant).getTotalSeconds();
            long localDay = Math.floorDiv(localSecond, 86_400L);
            int minute = (int) (Math.floorMod(localSecond, 86_400L) / 60);
            if (localDay != cachedDay) {
                LocalDate date = LocalDate.ofEpochDay(localDay);
                MonthDay day = MonthDay.from(date);
                int season = 0;
                for (int s = 0; s < tou.seasons().size(); s++) {
                    if (tou.seasons().get(s).contains(day)) {
                        season = s;
                        break;
                    }
                }
                cachedMinutes = table[season][tou.dayType(date).ordinal()];
                cachedDay = localDay;
            }
            return cachedMinutes[minute];
        }
    }
}
