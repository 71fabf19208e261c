package org.smartenergy.platform.billing.bills;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smartenergy.platform.billing.bills.TariffRepository.Assignment;
import org.smartenergy.platform.domain.tariff.Adjustment;
import org.smartenergy.platform.domain.tariff.Bill;
import org.smartenergy.platform.domain.tariff.BillingPeriod;
import org.smartenergy.platform.domain.tariff.Tariff;
import org.smartenergy.platform.domain.tariff.TariffEngine;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The one place bills are made: the running bill of the open period, issuing (closing) a period, and the
 * adjustments for late readings. The gateway's API and the billing verticle's closer both use it, so a bill shown
 * and a bill issued are computed the same way. The arithmetic is {@link TariffEngine}'s; this class only gathers
 * its inputs (tariff, readings, issued bills) and stores its outputs.
 *
 * <h2>Closing</h2>
 * A period is closed once {@code now >= period end + grace}: its bill is rated with the readings stored by then and
 * inserted into {@link BillRepository} under the unique id {@code <deviceId>|<period start>}. See
 * {@link #closeDue(String)} for why this is exactly-once across a cluster.
 *
 * <h2>Late readings</h2>
 * Each bill (running or being issued) re-rates the device's last {@value #ADJUSTABLE_PERIODS} issued periods with
 * the tariff version they were issued with. Where the charges differ from the <em>baseline</em>, the difference is an
 * adjustment line naming that period ({@link TariffEngine#adjustmentFor}). The baseline is the re-rated bill stored
 * with the latest issued bill that already carried a correction of that period, or else the period's own issued bill,
 * so a change is charged once: after it was issued on one bill, the next bill only sees later changes. Readings older
 * than {@code ingestion.maxAge} (default 90 days) are refused at ingestion, so only the last few periods can change.
 */
public final class BillService {

    /** How many of the latest issued periods are checked for late readings (covers 90 days of late readings). */
    public static final int ADJUSTABLE_PERIODS = 6;
    /** How many past periods one closing run issues at most for one device (catching up after an outage). */
    public static final int MAX_CATCH_UP_PERIODS = 12;

    private static final Logger LOG = LoggerFactory.getLogger(BillService.class);

    private final TariffRepository tariffs;
    private final BillRepository bills;
    private final PeriodReadings readings;
    private final BillCache cache;
    private final Clock clock;
    private final Duration grace;

    /**
     * @param cache where current bills are cached, or null for none
     * @param clock the time that decides the open period and what is closed (tests move it forward)
     * @param grace how long after its end a period is closed, {@code billing.closeGraceHours}
     */
    public BillService(TariffRepository tariffs, BillRepository bills, PeriodReadings readings, BillCache cache,
                       Clock clock, Duration grace) {
        this.tariffs = Objects.requireNonNull(tariffs, "tariffs");
        this.bills = Objects.requireNonNull(bills, "bills");
        this.readings = Objects.requireNonNull(readings, "readings");
        this.cache = cache;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.grace = Objects.requireNonNull(grace, "grace");
    }

    /** @return where tariffs and device assignments are kept */
    public TariffRepository tariffs() {
        return tariffs;
    }

    /** @return the clock of this service */
    public Clock clock() {
        return clock;
    }

    // ---------------------------------------------------------------- reading bills

    /**
     * The running bill of the open period as API JSON ({@link BillJson#view}): from the cache when the cached copy is
     * for the device's current tariff version and period, computed otherwise.
     */
    public Future<JsonObject> currentJson(String deviceId) {
        return deviceTariff(deviceId).compose(dt -> {
            BillingPeriod period = openPeriod(dt.tariff());
            Future<JsonObject> cached = cache == null ? Future.succeededFuture() : cache.get(deviceId);
            return cached.compose(json -> json != null && fresh(json, dt.tariff(), period)
                    ? Future.succeededFuture(json)
                    : running(deviceId, dt.tariff(), period).map(BillJson::view));
        });
    }

    /** Computes the device's current bill and stores it in the cache; a device without tariff is skipped. */
    public Future<Void> refreshCache(String deviceId) {
        if (cache == null) {
            return Future.succeededFuture();
        }
        return tariffs.assignment(deviceId).compose(a -> a == null
                ? Future.<Void>succeededFuture()
                : current(deviceId).compose(view -> cache.put(deviceId, BillJson.view(view))));
    }

    /** Drops the device's cached bill (after its tariff changed). */
    public Future<Void> evictCache(String deviceId) {
        return cache == null ? Future.succeededFuture() : cache.evict(deviceId);
    }

    private static boolean fresh(JsonObject json, Tariff tariff, BillingPeriod period) {
        JsonObject t = json.getJsonObject("tariff");
        return t != null && tariff.id().equals(t.getString("id")) && t.getInteger("version") == tariff.version()
                && period.start().toString().equals(json.getString("periodStart"));
    }

    /** The running bill of the device's open period, computed from MongoDB. */
    public Future<BillView> current(String deviceId) {
        return deviceTariff(deviceId).compose(dt -> running(deviceId, dt.tariff(), openPeriod(dt.tariff())));
    }

    /**
     * The bill of the period starting in {@code month}: the issued bill if there is one (exactly as issued), the
     * running bill if the period has started and is not issued yet; fails with {@link BillingNotFoundException} for
     * a period that has not started or ended before the device's billing began.
     */
    public Future<BillView> forPeriod(String deviceId, YearMonth month) {
        return bills.find(deviceId, month).compose(issued -> {
            if (issued != null) {
                return Future.succeededFuture(issued.view());
            }
            return deviceTariff(deviceId).compose(dt -> {
                Tariff tariff = dt.tariff();
                BillingPeriod period = tariff.billingCycle().periodContaining(
                        month.atDay(tariff.billingCycle().anchorDay()));
                BillingPeriod open = openPeriod(tariff);
                BillingPeriod first = firstPeriod(dt.assignment(), tariff);
                if (period.start().isAfter(open.start()) || period.start().isBefore(first.start())) {
                    return Future.failedFuture(new BillingNotFoundException(
                            "no bill of device '" + deviceId + "' for period " + month));
                }
                return running(deviceId, tariff, period);
            });
        });
    }

    /** @return the device's issued bills, newest first (at most {@code limit}) */
    public Future<List<BillView>> issued(String deviceId, int limit) {
        return bills.list(deviceId, limit).map(list -> list.stream().map(IssuedBill::view).toList());
    }

    private Future<BillView> running(String deviceId, Tariff tariff, BillingPeriod period) {
        return rate(deviceId, tariff, period)
                .map(rated -> new BillView(deviceId, rated.bill(), BillView.Status.OPEN, null,
                        rated.corrections().stream().map(Bill::period).toList()));
    }

    // ---------------------------------------------------------------- closing

    /**
     * Issues the bills of every device with a tariff whose periods are due; see {@link #closeDue(String)}.
     *
     * @return the number of bills this call issued
     */
    public Future<Integer> closeAllDue() {
        return tariffs.assignments().compose(assignments -> {
            Future<Integer> chain = Future.succeededFuture(0);
            // one device after the other: closing is a background task, it must not flood MongoDB
            for (Assignment a : assignments) {
                chain = chain.compose(n -> closeDue(a.deviceId())
                        .recover(e -> {
                            LOG.warn("closing failed, retried on the next run [deviceId: {}]: {}", a.deviceId(),
                                    e.toString());
                            return Future.succeededFuture(0);
                        })
                        // the bill just issued took the pending adjustments along: the cached one is stale
                        .compose(issued -> issued == 0 ? Future.succeededFuture(0)
                                : refreshCache(a.deviceId()).otherwise((Void) null).map(v -> issued))
                        .map(issued -> n + issued));
            }
            return chain;
        });
    }

    /**
     * Issues the device's due bills: every period from the one its billing began in up to the last one whose end
     * plus grace has passed, oldest first, skipping those already issued.
     *
     * <p>Why this is exactly-once in a cluster: an issued bill is inserted with the unique {@code _id}
     * {@code <deviceId>|<period start>} and never updated. If two nodes (or two runs) close the same period at
     * once, both may rate it, but MongoDB accepts exactly one insert of that {@code _id}; the other gets a duplicate
     * key, which {@link BillRepository#insertIfAbsent} reports as "already issued" and this method treats as done. The
     * bill that won is complete on its own (with the corrections it carried), so it does not matter which node's
     * copy won: later bills take their baselines from what is stored, never from what a node computed.
     *
     * @return the number of bills this call issued
     */
    public Future<Integer> closeDue(String deviceId) {
        return deviceTariff(deviceId).compose(dt -> {
            Tariff tariff = dt.tariff();
            Instant now = clock.instant();
            // the period holding (now - grace) is not closable yet; every period before it is
            BillingPeriod notYet = tariff.billingCycle().periodContaining(now.minus(grace), tariff.zone());
            BillingPeriod first = firstPeriod(dt.assignment(), tariff);
            List<BillingPeriod> due = new ArrayList<>();
            BillingPeriod p = previous(tariff, notYet);
            while (!p.start().isBefore(first.start()) && due.size() < MAX_CATCH_UP_PERIODS) {
                due.add(0, p);
                p = previous(tariff, p);
            }
            Future<Integer> chain = Future.succeededFuture(0);
            for (BillingPeriod period : due) {
                chain = chain.compose(n -> issueIfAbsent(deviceId, tariff, period).map(issued -> issued ? n + 1 : n));
            }
            return chain;
        });
    }

    private Future<Boolean> issueIfAbsent(String deviceId, Tariff tariff, BillingPeriod period) {
        return bills.find(deviceId, YearMonth.from(period.start())).compose(existing -> {
            if (existing != null) {
                return Future.succeededFuture(false);
            }
            Instant issuedAt = clock.instant();
            return rate(deviceId, tariff, period)
                    .compose(rated -> bills.insertIfAbsent(
                            new IssuedBill(deviceId, rated.bill(), rated.corrections(), issuedAt)))
                    .onSuccess(inserted -> {
                        if (inserted) {
                            LOG.info("bill issued [deviceId: {}, period: {}]", deviceId, period);
                        } else {
                            LOG.debug("bill already issued by another node [deviceId: {}, period: {}]", deviceId,
                                    period);
                        }
                    });
        });
    }

    // ---------------------------------------------------------------- rating

    /** A bill and, per adjustment line, the re-rated bill of the corrected period. */
    private record Rated(Bill bill, List<Bill> corrections) {
    }

    private Future<Rated> rate(String deviceId, Tariff tariff, BillingPeriod period) {
        Future<List<Correction>> pending = pendingCorrections(deviceId, period);
        Future<List<org.smartenergy.platform.domain.MeterReading>> own = readingsOf(deviceId, tariff, period);
        return Future.all(pending, own).map(v -> {
            List<Adjustment> adjustments = new ArrayList<>();
            List<Bill> corrections = new ArrayList<>();
            for (Correction c : pending.result()) {
                adjustments.add(c.adjustment());
                corrections.add(c.rerated());
            }
            Bill bill = TariffEngine.rate(tariff, period, own.result(), adjustments);
            return new Rated(bill, corrections);
        });
    }

    private record Correction(Adjustment adjustment, Bill rerated) {
    }

    /** The adjustments to carry on the bill of {@code period}, oldest corrected period first. */
    private Future<List<Correction>> pendingCorrections(String deviceId, BillingPeriod period) {
        return bills.list(deviceId, ADJUSTABLE_PERIODS + MAX_CATCH_UP_PERIODS).compose(all -> {
            // only bills before this period count, newest first
            List<IssuedBill> before = all.stream()
                    .filter(b -> b.bill().period().start().isBefore(period.start()))
                    .toList();
            List<IssuedBill> adjustable = before.subList(0, Math.min(ADJUSTABLE_PERIODS, before.size()));
            List<Future<Correction>> checks = new ArrayList<>();
            for (IssuedBill issued : adjustable) {
                checks.add(correction(deviceId, issued, baseline(issued, before)));
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

    /** The newest correction of the issued bill's period carried by a later bill, else the issued bill itself. */
    private static Bill baseline(IssuedBill issued, List<IssuedBill> newestFirst) {
        BillingPeriod period = issued.bill().period();
        for (IssuedBill later : newestFirst) {
            if (!later.bill().period().start().isAfter(period.start())) {
                break;
            }
            Bill correction = later.correctionOf(period);
            if (correction != null) {
                return correction;
            }
        }
        return issued.bill();
    }

    private Future<Correction> correction(String deviceId, IssuedBill issued, Bill baseline) {
        Bill was = issued.bill();
        return tariffs.version(was.tariffId(), was.tariffVersion()).compose(tariff -> {
            if (tariff == null) {
                return Future.failedFuture(new IllegalStateException("tariff " + was.tariffId() + " version "
                        + was.tariffVersion() + " of an issued bill is missing"));
            }
            return readingsOf(deviceId, tariff, was.period()).map(list -> {
                Bill rerated = TariffEngine.rate(tariff, was.period(), list);
                Adjustment adjustment = TariffEngine.adjustmentFor(baseline, rerated);
                return adjustment.amount().signum() == 0 ? null : new Correction(adjustment, rerated);
            });
        });
    }

    private Future<List<org.smartenergy.platform.domain.MeterReading>> readingsOf(String deviceId, Tariff tariff,
                                                                                 BillingPeriod period) {
        return readings.readings(deviceId, period.startInstant(tariff.zone()), period.endInstant(tariff.zone()));
    }

    // ---------------------------------------------------------------- tariffs and periods

    private record DeviceTariff(Assignment assignment, Tariff tariff) {
    }

    private Future<DeviceTariff> deviceTariff(String deviceId) {
        return tariffs.assignment(deviceId).compose(assignment -> {
            if (assignment == null) {
                return Future.failedFuture(new BillingNotFoundException(
                        "device '" + deviceId + "' has no tariff assigned"));
            }
            return tariffs.resolve(assignment).compose(tariff -> tariff == null
                    ? Future.failedFuture(new BillingNotFoundException("tariff '" + assignment.tariffId()
                            + "' of device '" + deviceId + "' does not exist"))
                    : Future.succeededFuture(new DeviceTariff(assignment, tariff)));
        });
    }

    private BillingPeriod openPeriod(Tariff tariff) {
        return tariff.billingCycle().periodContaining(clock.instant(), tariff.zone());
    }

    private BillingPeriod firstPeriod(Assignment assignment, Tariff tariff) {
        Instant since = assignment.assignedAt() == null ? clock.instant() : assignment.assignedAt();
        return tariff.billingCycle().periodContaining(since, tariff.zone());
    }

    private static BillingPeriod previous(Tariff tariff, BillingPeriod period) {
        return tariff.billingCycle().periodContaining(period.start().minusDays(1));
    }
}
