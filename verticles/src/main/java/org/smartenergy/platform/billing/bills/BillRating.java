package org.smartenergy.platform.billing.bills;

import io.vertx.core.Future;
import org.smartenergy.platform.domain.MeterReading;
import org.smartenergy.platform.domain.tariff.Adjustment;
import org.smartenergy.platform.domain.tariff.Bill;
import org.smartenergy.platform.domain.tariff.BillingPeriod;
import org.smartenergy.platform.domain.tariff.CorrectionBaselines;
import org.smartenergy.platform.domain.tariff.Tariff;
import org.smartenergy.platform.domain.tariff.TariffEngine;

import java.util.ArrayList;
import java.util.List;

/**
 * The rating half of {@link BillService}: gathers a period's readings and the pending corrections of the last
 * {@value BillService#ADJUSTABLE_PERIODS} issued periods (see "Late readings" there) and has {@link TariffEngine} rate
 * them on the {@link RatingExecutor}.
 */
final class BillRating {

    private final TariffRepository tariffs;
    private final BillRepository bills;
    private final PeriodReadings readings;
    private final RatingExecutor rating;

    BillRating(TariffRepository tariffs, BillRepository bills, PeriodReadings readings, RatingExecutor rating) {
        this.tariffs = tariffs;
        this.bills = bills;
        this.readings = readings;
        this.rating = rating;
    }

    /** A bill and, per adjustment line, the re-rated bill of the corrected period. */
    record Rated(Bill bill, List<Bill> corrections) {
    }

    Future<Rated> rate(String deviceId, Tariff tariff, BillingPeriod period) {
        Future<List<Correction>> pending = pendingCorrections(deviceId, period);
        Future<List<MeterReading>> own = readingsOf(deviceId, tariff, period);
        return Future.all(pending, own).compose(v -> {
            List<Adjustment> adjustments = new ArrayList<>();
            List<Bill> corrections = new ArrayList<>();
            for (Correction c : pending.result()) {
                adjustments.add(c.adjustment());
                corrections.add(c.rerated());
            }
            return rating.run(() -> TariffEngine.rate(tariff, period, own.result(), adjustments))
                    .map(bill -> new Rated(bill, corrections));
        });
    }

    private record Correction(Adjustment adjustment, Bill rerated) {
    }

    /** The adjustments to carry on the bill of {@code period}, oldest corrected period first. */
    private Future<List<Correction>> pendingCorrections(String deviceId, BillingPeriod period) {
        return bills.list(deviceId, BillService.ADJUSTABLE_PERIODS + BillService.MAX_CATCH_UP_PERIODS).compose(all -> {
            // only bills before this period count, newest first
            List<CorrectionBaselines.Issued> before = CorrectionBaselines.before(
                    all.stream().map(IssuedBill::issued).toList(), period);
            List<Future<Correction>> checks = new ArrayList<>();
            for (CorrectionBaselines.Issued issued : CorrectionBaselines.adjustable(before, BillService.ADJUSTABLE_PERIODS)) {
                checks.add(correction(deviceId, issued.bill(), CorrectionBaselines.baseline(issued, before)));
            }
            return Future.all(checks).map(v -> {
                List<Correction> result = new ArrayList<>();
                for (int i = checks.size() - 1; i >= 0; i--) {
                    Correction c = checks.get(i).result();
                    if (c != null) {
                        result.add(c);
                    }
                }
                return result;
            });
        });
    }

    private Future<Correction> correction(String deviceId, Bill was, Bill baseline) {
        return tariffs.version(was.tariffId(), was.tariffVersion()).compose(tariff -> {
            if (tariff == null) {
                return Future.failedFuture(new IllegalStateException("tariff " + was.tariffId() + " version "
                        + was.tariffVersion() + " of an issued bill is missing"));
            }
            return readingsOf(deviceId, tariff, was.period())
                    .compose(list -> rating.run(() -> TariffEngine.rate(tariff, was.period(), list)))
                    .map(rerated -> {
                        Adjustment adjustment = TariffEngine.adjustmentFor(baseline, rerated);
                        return adjustment.amount().signum() == 0 ? null : new Correction(adjustment, rerated);
                    });
        });
    }

    private Future<List<MeterReading>> readingsOf(String deviceId, Tariff tariff,
                                                                                 BillingPeriod period) {
        return readings.readings(deviceId, period.startInstant(tariff.zone()), period.endInstant(tariff.zone()));
    }
}
