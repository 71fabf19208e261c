package org.smartenergy.platform.domain.tariff;

import org.smartenergy.platform.domain.tariff.BillView;

import org.smartenergy.platform.tariffjson.TariffJson;
import org.smartenergy.platform.domain.MeterReading;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/**
 * Bills of the worked example ({@code tariffs/example-tou.json}, see {@code BillWorkedExampleTest}) as the services
 * hand them to the edges, with every kind of line: charges, riders, standing charge, demand, two taxes and an
 * adjustment of December 2025 for a late reading.
 */
public final class WorkedExampleBills {

    public static final String DEVICE = "meter-42";

    private WorkedExampleBills() {
    }

    /** @return the example tariff, version 2 */
    public static Tariff tariff() {
        return TariffJson.parse(resource("/tariffs/example-tou.json"));
    }

    /** @return January 2026 issued on 3 February, carrying December's correction */
    public static BillView issuedJanuary() {
        Tariff tariff = tariff();
        BillingPeriod december = tariff.billingCycle().periodContaining(LocalDate.parse("2025-12-15"));
        BillingPeriod january = tariff.billingCycle().periodContaining(LocalDate.parse("2026-01-15"));
        // December as issued (one reading) and re-rated with a late reading of 2.5 kWh on Sat 20 Dec
        List<MeterReading> decemberReadings = List.of(reading("2025-12-10T12:00:00Z", 3600, 1_000_000, 1));
        Bill decemberIssued = TariffEngine.rate(tariff, december, decemberReadings);
        Bill decemberRerated = TariffEngine.rate(tariff, december, List.of(decemberReadings.get(0),
                reading("2025-12-20T12:00:00Z", 3600, 2_500_000, 2)));
        Adjustment late = TariffEngine.adjustmentFor(decemberIssued, decemberRerated);
        Bill bill = TariffEngine.rate(tariff, january, List.of(
                reading("2026-01-05T17:15:00Z", 900, 1_500_000, 3),
                reading("2026-01-05T19:30:00Z", 3600, 4_000_000, 5),
                reading("2026-01-10T12:00:00Z", 3600, 3_000_000, 6)), List.of(late));
        return new BillView(DEVICE, bill, BillView.Status.ISSUED, Instant.parse("2026-02-03T00:00:00Z"),
                List.of(december));
    }

    /** @return February 2026 so far: open, no adjustment */
    public static BillView openFebruary() {
        Tariff tariff = tariff();
        BillingPeriod february = tariff.billingCycle().periodContaining(LocalDate.parse("2026-02-15"));
        Bill bill = TariffEngine.rate(tariff, february, List.of(reading("2026-02-02T08:00:00Z", 3600, 5_000_000, 8)));
        return new BillView(DEVICE, bill, BillView.Status.OPEN, null, List.of());
    }

    public static String resource(String name) {
        try (InputStream in = WorkedExampleBills.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static MeterReading reading(String endUtc, int intervalSeconds, long mwh, long seq) {
        return new MeterReading(DEVICE, Instant.parse(endUtc), mwh, seq, intervalSeconds);
    }
}
