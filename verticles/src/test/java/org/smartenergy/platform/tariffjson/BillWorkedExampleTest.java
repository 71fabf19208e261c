package org.smartenergy.platform.tariffjson;

import org.junit.jupiter.api.Test;
import org.smartenergy.platform.domain.MeterReading;
import org.smartenergy.platform.domain.tariff.Bill;
import org.smartenergy.platform.domain.tariff.BillLine;
import org.smartenergy.platform.domain.tariff.BillingPeriod;
import org.smartenergy.platform.domain.tariff.Tariff;
import org.smartenergy.platform.domain.tariff.TariffEngine;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

/**
 * The bill worked by hand in {@code docs-tariff-example.md}: the example tariff
 * ({@code tariffs/example-tou.json}) applied to January 2026 in Berlin (UTC+1 all month). Every line is asserted.
 */
class BillWorkedExampleTest {

    private static MeterReading reading(String endUtc, int intervalSeconds, long mwh, long seq) {
        return new MeterReading("meter-42", Instant.parse(endUtc), mwh, seq, intervalSeconds);
    }

    @Test
    void januaryBillOfTheExampleTariffMatchesTheHandCalculation() {
        Tariff tariff = TariffJson.parse(TariffJsonTest.resource("/tariffs/example-tou.json"));
        BillingPeriod january = tariff.billingCycle().periodContaining(LocalDate.parse("2026-01-15"));
        List<MeterReading> readings = List.of(
                // R1 Wed 31 Dec 23:30 -> Thu 1 Jan 00:30 local, 1.2 kWh: half (0.6) in January, holiday -> off-peak
                reading("2025-12-31T23:30:00Z", 3600, 1_200_000, 1),
                // R2 Thu 1 Jan 10:00-11:00 local, 2.0 kWh: holiday -> off-peak
                reading("2026-01-01T10:00:00Z", 3600, 2_000_000, 2),
                // R3 Mon 5 Jan 18:00-18:15 local, 1.5 kWh: peak; 1.5 kWh / 0.25 h = 6 kW
                reading("2026-01-05T17:15:00Z", 900, 1_500_000, 3),
                // R3 again (resent): counts once
                reading("2026-01-05T17:15:00Z", 900, 1_500_000, 4),
                // R4 Mon 5 Jan 19:30-20:30 local, 4.0 kWh: crosses 20:00 -> 2.0 peak + 2.0 off-peak
                reading("2026-01-05T19:30:00Z", 3600, 4_000_000, 5),
                // R5 Sat 10 Jan 12:00-13:00 local, 3.0 kWh: weekend -> off-peak
                reading("2026-01-10T12:00:00Z", 3600, 3_000_000, 6),
                // R6 Sat 31 Jan 23:45 -> Sun 1 Feb 00:15 local, 0.8 kWh: half (0.4) in January, weekend -> off-peak
                reading("2026-01-31T23:15:00Z", 1800, 800_000, 7),
                // R7 Mon 2 Feb: February's, not counted
                reading("2026-02-02T08:00:00Z", 3600, 5_000_000, 8));

        Bill bill = TariffEngine.rate(tariff, january, readings);

        assertThat(bill.period()).isEqualTo(new BillingPeriod(LocalDate.parse("2026-01-01"), LocalDate.parse("2026-02-01")));
        assertThat(bill.tariffId()).isEqualTo("residential-tou-de");
        assertThat(bill.tariffVersion()).isEqualTo(2);
        assertThat(bill.readingCount()).isEqualTo(6);
        assertThat(bill.totalKwh()).isEqualTo(new BigDecimal("11.500000"));
        assertThat(bill.lines()).extracting(BillLine::kind, BillLine::description, BillLine::quantity, BillLine::unit,
                BillLine::unitPrice, BillLine::amount).containsExactly(
                // peak: R3 1.5 + R4 2.0 = 3.5 kWh x 0.3400 = 1.19
                tuple(BillLine.Kind.ENERGY, "Energy winter peak", bd("3.500000"), BillLine.Unit.KWH, bd("0.3400"),
                        bd("1.19")),
                // off-peak: R1 0.6 + R2 2.0 + R4 2.0 + R5 3.0 + R6 0.4 = 8.0 kWh x 0.2100 = 1.68
                tuple(BillLine.Kind.ENERGY, "Energy winter off-peak", bd("8.000000"), BillLine.Unit.KWH, bd("0.2100"),
                        bd("1.68")),
                // 11.5 kWh x 0.0070 = 0.0805 -> 0.08 (half-even)
                tuple(BillLine.Kind.RIDER, "Grid levy", bd("11.500000"), BillLine.Unit.KWH, bd("0.0070"), bd("0.08")),
                // 11.5 kWh x -0.0120 = -0.138 -> -0.14
                tuple(BillLine.Kind.RIDER, "Solar community credit", bd("11.500000"), BillLine.Unit.KWH, bd("-0.0120"),
                        bd("-0.14")),
                // 31 days x 0.4500 = 13.95
                tuple(BillLine.Kind.STANDING, "Standing charge, 31 days", bd("31"), BillLine.Unit.DAY, bd("0.4500"),
                        bd("13.95")),
                // highest peak window 18:00-18:15 on 5 Jan: 6 kW x 31 days = 186 kW x day x 0.0150 = 2.79
                tuple(BillLine.Kind.DEMAND, "Demand charge: highest 15-min demand 6.000000 kW in peak, window starting "
                                + "2026-01-05T18:00+01:00, x 31 days", bd("186.000000"), BillLine.Unit.KW_DAY,
                        bd("0.0150"), bd("2.79")));
        // 1.19 + 1.68 + 0.08 - 0.14 + 13.95 + 2.79 = 19.55
        assertThat(bill.subtotal()).isEqualTo(bd("19.55"));
        assertThat(bill.taxLines()).extracting(BillLine::description, BillLine::quantity, BillLine::unitPrice,
                BillLine::amount).containsExactly(
                // 19.55 x 5% = 0.9775 -> 0.98
                tuple("Municipal tax 5% of 19.55", bd("5"), bd("19.55"), bd("0.98")),
                // 19.55 x 19% = 3.7145 -> 3.71
                tuple("VAT 19% of 19.55", bd("19"), bd("19.55"), bd("3.71")));
        assertThat(bill.taxTotal()).isEqualTo(bd("4.69"));
        assertThat(bill.adjustmentLines()).isEmpty();
        // 19.55 + 0.98 + 3.71 = 24.24
        assertThat(bill.total()).isEqualTo(bd("24.24"));
    }

    private static BigDecimal bd(String value) {
        return new BigDecimal(value);
    }
}
