package org.smartenergy.platform.domain.tariff;

import org.junit.jupiter.api.Test;
import org.smartenergy.platform.domain.MeterReading;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.ALL_DAYS;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.BERLIN;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.WEEKDAY;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.band;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.season;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.tariff;

/**
 * Properties that hold for any readings, checked on seeded random data (the seed is in each failure message, so a
 * failure can be replayed). The period is March 2026 in Berlin, which contains the spring-forward day.
 */
class RatingPropertiesTest {

    private static final long SEED = 20261127L;
    private static final int RUNS = 200;
    private static final BillingPeriod MARCH = TariffFixtures.period("2026-03-01", "2026-04-01");
    private static final BillingPeriod APRIL = TariffFixtures.period("2026-04-01", "2026-05-01");
    private static final int[] INTERVALS = {60, 300, 900, 1800, 3600, 7200, 5400, 37};

    /** TOU with a band crossing midnight, a season change on 1 April, holidays, demand on peak, riders and taxes. */
    private static final Tariff TARIFF = tariff().zone(BERLIN).standing("0.4567")
            .energy(new EnergyCharge.TimeOfUse(List.of(
                    season("winter", "10-01", "03-31",
                            band("peak", WEEKDAY, "07:15", "19:45", "0.3131"),
                            band("off-peak", WEEKDAY, "19:45", "07:15", "0.1717"),
                            band("weekend", Set.of(DayType.WEEKEND, DayType.HOLIDAY), "00:00", "00:00", "0.1999")),
                    season("summer", "04-01", "09-30",
                            band("peak", WEEKDAY, "11:00", "17:00", "0.2777"),
                            band("off-peak", ALL_DAYS, "17:00", "11:00", "0.1555"),
                            band("weekend", Set.of(DayType.WEEKEND, DayType.HOLIDAY), "11:00", "17:00", "0.1444"))),
                    Set.of(LocalDate.parse("2026-03-19"), LocalDate.parse("2026-04-03"))))
            .demand("0.0321", DemandCharge.Basis.PER_KW_PER_DAY, 15, "peak")
            .rider("levy", "0.01234").rider("credit", "-0.00555")
            .tax("tax A", "7.5").tax("tax B", "19")
            .build();

    /** Readings of several devices, wholly inside March (when {@code inside}) or anywhere from late Feb to early May. */
    private static List<MeterReading> randomReadings(Random random, boolean inside) {
        Instant from = MARCH.startInstant(BERLIN);
        Instant to = inside ? MARCH.endInstant(BERLIN) : APRIL.endInstant(BERLIN).plusSeconds(86_400);
        if (!inside) {
            from = from.minusSeconds(86_400);
        }
        List<MeterReading> readings = new ArrayList<>();
        int count = 1 + random.nextInt(60);
        for (int i = 0; i < count; i++) {
            int interval = INTERVALS[random.nextInt(INTERVALS.length)];
            long span = to.getEpochSecond() - from.getEpochSecond() - interval;
            Instant end = from.plusSeconds(interval + (long) (random.nextDouble() * span)).plusMillis(random.nextInt(1000));
            String usage = BigDecimal.valueOf(random.nextInt(5_000_000), 6).toPlainString();
            readings.add(TariffFixtures.reading("dev-" + random.nextInt(3), end, interval, usage));
        }
        return readings;
    }

    private static BigDecimal sumMwhAsKwh(List<MeterReading> readings) {
        return BigDecimal.valueOf(readings.stream().mapToLong(MeterReading::usageMwh).sum(), 6);
    }

    @Test
    void energyLinesAddUpToTheTotalAndTheTotalToAllEnergyInsideThePeriod() {
        Random random = new Random(SEED);
        for (int run = 0; run < RUNS; run++) {
            List<MeterReading> readings = randomReadings(random, true);

            Bill bill = TariffEngine.rate(TARIFF, MARCH, readings);

            BigDecimal energyLines = bill.lines().stream().filter(l -> l.kind() == BillLine.Kind.ENERGY)
                    .map(BillLine::quantity).reduce(BigDecimal.ZERO, BigDecimal::add);
            assertThat(energyLines).as("run %d seed %d", run, SEED).isEqualByComparingTo(bill.totalKwh());
            assertThat(bill.totalKwh()).as("run %d", run).isEqualByComparingTo(sumMwhAsKwh(readings));
        }
    }

    @Test
    void energyIsNeitherLostNorCountedTwiceAcrossAdjacentPeriods() {
        Random random = new Random(SEED + 1);
        for (int run = 0; run < RUNS; run++) {
            List<MeterReading> readings = new ArrayList<>(randomReadings(random, false));
            // keep only readings that lie wholly inside March + April, some straddling 1 April 00:00
            readings.removeIf(r -> r.timestamp().minusSeconds(r.intervalSeconds()).isBefore(MARCH.startInstant(BERLIN))
                    || r.timestamp().isAfter(APRIL.endInstant(BERLIN)));

            BigDecimal march = TariffEngine.rate(TARIFF, MARCH, readings).totalKwh();
            BigDecimal april = TariffEngine.rate(TARIFF, APRIL, readings).totalKwh();

            assertThat(march.add(april)).as("run %d", run).isEqualByComparingTo(sumMwhAsKwh(readings));
        }
    }

    @Test
    void totalIsTheSumOfRoundedLinesPlusTaxesAndEachLineIsQuantityTimesPrice() {
        Random random = new Random(SEED + 2);
        for (int run = 0; run < RUNS; run++) {
            Bill bill = TariffEngine.rate(TARIFF, MARCH, randomReadings(random, false));

            for (BillLine line : bill.lines()) {
                assertThat(line.amount()).as("run %d line %s", run, line)
                        .isEqualTo(line.quantity().multiply(line.unitPrice()).setScale(2, RoundingMode.HALF_EVEN));
            }
            for (BillLine tax : bill.taxLines()) {
                assertThat(tax.amount()).as("run %d tax %s", run, tax).isEqualTo(
                        bill.subtotal().multiply(tax.quantity()).movePointLeft(2).setScale(2, RoundingMode.HALF_EVEN));
            }
            BigDecimal lines = bill.lines().stream().map(BillLine::amount).reduce(BigDecimal.ZERO, BigDecimal::add);
            BigDecimal taxes = bill.taxLines().stream().map(BillLine::amount).reduce(BigDecimal.ZERO, BigDecimal::add);
            assertThat(bill.subtotal()).as("run %d", run).isEqualByComparingTo(lines);
            assertThat(bill.taxTotal()).as("run %d", run).isEqualByComparingTo(taxes);
            assertThat(bill.total()).as("run %d", run).isEqualByComparingTo(lines.add(taxes));
            assertThat(bill.total().scale()).isEqualTo(2);
        }
    }

    @Test
    void shuffledOrDuplicatedReadingsGiveTheSameBill() {
        Random random = new Random(SEED + 3);
        for (int run = 0; run < RUNS; run++) {
            List<MeterReading> readings = randomReadings(random, false);
            Bill reference = TariffEngine.rate(TARIFF, MARCH, readings);

            List<MeterReading> messy = new ArrayList<>(readings);
            for (int i = random.nextInt(readings.size() + 1); i > 0; i--) {
                MeterReading r = readings.get(random.nextInt(readings.size()));
                // a resend: same identity and content, a different sequence number
                messy.add(new MeterReading(r.deviceId(), r.timestamp(), r.usageMwh(), r.seq() + 1000, r.intervalSeconds()));
            }
            Collections.shuffle(messy, random);

            assertThat(TariffEngine.rate(TARIFF, MARCH, messy)).as("run %d", run).isEqualTo(reference);
        }
    }
}
