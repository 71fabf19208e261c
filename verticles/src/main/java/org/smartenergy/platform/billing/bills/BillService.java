package org.smartenergy.platform.billing.bills;

import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smartenergy.platform.billing.bills.TariffRepository.Assignment;
import org.smartenergy.platform.domain.tariff.Bill;
import org.smartenergy.platform.domain.tariff.BillView;
import org.smartenergy.platform.domain.tariff.BillingPeriod;
import org.smartenergy.platform.domain.tariff.SupplySchedule;
import org.smartenergy.platform.domain.tariff.SupplySchedule.Period;
import org.smartenergy.platform.domain.tariff.Tariff;
import org.smartenergy.platform.domain.tariff.TariffEngine;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Objects;

/**
 * The one place bills are made: the running bill of the open period, issuing (closing) a period, and the
 * adjustments for late readings. The gateway's API and the billing verticle's closer both use it, so a bill shown
 * and a bill issued are computed the same way. The arithmetic is {@link TariffEngine}'s; this class only gathers
 * its inputs (tariff, readings, issued bills) and stores its outputs. Supply resolution and supply changes are
 * {@link SupplyService}'s, gathering the rating inputs (readings, pending corrections) {@link BillRating}'s.
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
    private final BillCache cache;
    private final Clock clock;
    private final Duration grace;
    private final SupplyService supplies;
    private final BillRating billRating;
    private final BillEvents events;

    /**
     * @param cache where current bills are cached, or null for none
     * @param clock the time that decides the open period and what is closed (tests move it forward)
     * @param grace how long after its end a period is closed, {@code billing.closeGraceHours}
     */
    public BillService(TariffRepository tariffs, BillRepository bills, PeriodReadings readings, BillCache cache,
                       Clock clock, Duration grace) {
        this(tariffs, bills, readings, cache, clock, grace, RatingExecutor.CALLER);
    }

    /**
     * @param rating where the tariff arithmetic runs ({@link RatingExecutor#workerPool} on a node: off the event loop)
     */
    public BillService(TariffRepository tariffs, BillRepository bills, PeriodReadings readings, BillCache cache,
                       Clock clock, Duration grace, RatingExecutor rating) {
        this(tariffs, bills, readings, cache, clock, grace, rating, BillEvents.NONE);
    }

    /**
     * @param events told about bills issued and closings that failed ({@link BillMetrics} on a node)
     */
    public BillService(TariffRepository tariffs, BillRepository bills, PeriodReadings readings, BillCache cache,
                       Clock clock, Duration grace, RatingExecutor rating, BillEvents events) {
        Objects.requireNonNull(rating, "rating");
        this.events = Objects.requireNonNull(events, "events");
        this.tariffs = Objects.requireNonNull(tariffs, "tariffs");
        this.bills = Objects.requireNonNull(bills, "bills");
        Objects.requireNonNull(readings, "readings");
        this.cache = cache;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.grace = Objects.requireNonNull(grace, "grace");
        this.supplies = new SupplyService(tariffs, bills, clock, grace);
        this.billRating = new BillRating(tariffs, bills, readings, rating);
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
     * The running bill of the open period: from the cache when the cached bill is for the device's current tariff
     * version and period, computed otherwise.
     */
    public Future<BillView> currentCached(String deviceId) {
        return supplies.supply(deviceId).compose(supply -> {
            Period open = supplies.open(deviceId, supply);
            Future<BillView> cached = cache == null ? Future.succeededFuture() : cache.get(deviceId);
            return cached.compose(view -> view != null && fresh(view, open.tariff(), open.period())
                    ? Future.succeededFuture(view)
                    : running(deviceId, open.tariff(), open.period()));
        });
    }

    /**
     * Computes the device's current bill and stores it in the cache; a device without tariff, or whose supply has
     * ended, is skipped (its cached bill dropped).
     */
    public Future<Void> refreshCache(String deviceId) {
        if (cache == null) {
            return Future.succeededFuture();
        }
        return tariffs.assignment(deviceId).compose(a -> {
            if (a == null) {
                return Future.<Void>succeededFuture();
            }
            if (a.current() == null) {
                return cache.evict(deviceId);
            }
            return current(deviceId).compose(view -> cache.put(deviceId, view));
        });
    }

    /** Drops the device's cached bill (after its tariff changed). */
    public Future<Void> evictCache(String deviceId) {
        return cache == null ? Future.succeededFuture() : cache.evict(deviceId);
    }

    private static boolean fresh(BillView view, Tariff tariff, BillingPeriod period) {
        Bill bill = view.bill();
        return tariff.id().equals(bill.tariffId()) && bill.tariffVersion() == tariff.version()
                && period.equals(bill.period());
    }

    /** The running bill of the device's open period, computed from MongoDB. */
    public Future<BillView> current(String deviceId) {
        return supplies.supply(deviceId).compose(supply -> {
            Period open = supplies.open(deviceId, supply);
            return running(deviceId, open.tariff(), open.period());
        });
    }

    /**
     * The bill of the period starting in {@code month}: the issued bill if there is one (exactly as issued), the
     * running bill if the period has started and is not issued yet; fails with {@link BillingNotFoundException} for
     * a period that has not started or lies outside the device's supply. Where a change of tariff split a cycle and
     * two periods start in the month, the one starting last is answered ({@link #issued} lists both).
     */
    public Future<BillView> forPeriod(String deviceId, YearMonth month) {
        return supplies.supply(deviceId).compose(supply -> {
            Period match = null;
            for (Period p : supplies.periods(supply)) {
                if (YearMonth.from(p.period().start()).equals(month)) {
                    match = p;
                }
            }
            Period found = match;
            return bills.findById(deviceId, found == null ? null : found.period()).compose(issued -> {
                if (issued != null) {
                    return Future.succeededFuture(issued.view());
                }
                if (found == null) {
                    // not a period of the supply as it is now; a bill issued under an older shape of it stays readable
                    return bills.find(deviceId, month).compose(old -> old != null
                            ? Future.succeededFuture(old.view())
                            : Future.failedFuture(new BillingNotFoundException(
                                    "no bill of device '" + deviceId + "' for period " + month)));
                }
                return running(deviceId, found.tariff(), found.period());
            });
        });
    }

    /** @return the device's issued bills, newest first (at most {@code limit}) */
    public Future<List<BillView>> issued(String deviceId, int limit) {
        return bills.list(deviceId, limit).map(list -> list.stream().map(IssuedBill::view).toList());
    }

    private Future<BillView> running(String deviceId, Tariff tariff, BillingPeriod period) {
        return billRating.rate(deviceId, tariff, period)
                .map(rated -> new BillView(deviceId, rated.bill(), BillView.Status.OPEN, null,
                        rated.corrections().stream().map(Bill::period).toList()));
    }

    // ---------------------------------------------------------------- assigning and ending supply

    /**
     * Bills the device with a tariff from {@code effective} on: a move-in if the device has no supply, else a change
     * of tariff (the supply so far ends where the new one starts, so the cycle is split into two periods, each rated
     * with its own tariff). Supply starts and ends at 00:00 local time (the new tariff's zone) of the day holding
     * {@code effective}: billing periods are whole local days. Assigning the tariff the device already has (same id
     * and pin) changes nothing.
     *
     * @param tariff    the tariff to bill with (the caller checked that it exists)
     * @param pinned    the pinned version, or null for the latest
     * @param effective when the supply starts, or null for now
     * @return the segment now in force; fails with {@link AssignmentRejectedException} for a day in the future or in
     *         a closed period
     */
    public Future<TariffRepository.Segment> assign(String deviceId, Tariff tariff, Integer pinned, Instant effective) {
        return supplies.change(deviceId, effective, tariff, pinned);
    }

    /**
     * Ends the device's supply at 00:00 local time of the day holding {@code effective} (a move-out): the period
     * containing it is closed early, as a partial period, once its end plus grace has passed.
     *
     * @param effective when the supply ends, or null for now
     * @return the ended segment; fails with {@link BillingNotFoundException} if the device has no supply
     */
    public Future<TariffRepository.Segment> endSupply(String deviceId, Instant effective) {
        return supplies.change(deviceId, effective, null, null);
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
                            events.closeFailed(a.deviceId(), e);
                            return Future.succeededFuture(0);
                        })
                        // the bill just issued took the pending adjustments along: the cached one is stale
                        .compose(issued -> issued == 0 ? Future.succeededFuture(0)
                                : refreshCache(a.deviceId()).otherwise((Void) null).map(v -> issued))
                        .map(issued -> n + issued));
            }
            return chain;
        }).onFailure(e -> events.closeFailed(null, e));
    }

    /**
     * Issues the device's due bills: every period of its supply (see {@link SupplyService#periods}) whose end plus grace has
     * passed, oldest first, skipping those already issued. A supply that ended (move-out) or was followed by another
     * tariff closes a partial last period as soon as its end plus grace has passed.
     *
     * <p>Why this is exactly-once in a cluster: an issued bill is inserted with the unique {@code _id}
     * {@code <deviceId>|<period start>} and never updated. If two nodes (or two runs) close the same period at
     * once, both may rate it, but MongoDB accepts exactly one insert of that {@code _id}; the other gets a duplicate
     * key, which {@link BillRepository#insertIfAbsent} reports as "already issued" and this method treats as done. The
     * bill that won is complete on its own (with the corrections it carried), so it does not matter which node's
     * copy won: later bills take their baselines from what is stored, never from what a node computed. Periods are
     * derived from the stored supply segments, which are never changed inside a closed period, so every node derives
     * the same closed periods.
     *
     * @return the number of bills this call issued
     */
    public Future<Integer> closeDue(String deviceId) {
        return tariffs.assignment(deviceId).compose(assignment -> {
            if (assignment == null) {
                return Future.failedFuture(new BillingNotFoundException(
                        "device '" + deviceId + "' has no tariff assigned"));
            }
            // a supply ended on the day it began leaves no segment: nothing to close, not a failure
            return assignment.segments().isEmpty() ? Future.succeededFuture(0)
                    : supplies.supply(assignment).compose(supply -> closeDue(deviceId, supply));
        });
    }

    private Future<Integer> closeDue(String deviceId, SupplyService.Supply supply) {
        Instant now = clock.instant();
        List<Period> due = SupplySchedule.due(SupplySchedule.periods(supply.parts(), now), now, grace,
                MAX_CATCH_UP_PERIODS);
        Future<Integer> chain = Future.succeededFuture(0);
        for (Period p : due) {
            chain = chain.compose(n -> issueIfAbsent(deviceId, p.tariff(), p.period())
                    .map(issued -> issued ? n + 1 : n));
        }
        return chain;
    }

    private Future<Boolean> issueIfAbsent(String deviceId, Tariff tariff, BillingPeriod period) {
        return bills.findById(deviceId, period).compose(existing -> {
            if (existing != null) {
                return Future.succeededFuture(false);
            }
            Instant issuedAt = clock.instant();
            return billRating.rate(deviceId, tariff, period)
                    .map(rated -> new IssuedBill(deviceId, rated.bill(), rated.corrections(), issuedAt))
                    .compose(bill -> bills.insertIfAbsent(bill).onSuccess(inserted -> {
                        if (inserted) {
                            events.issued(bill);
                            LOG.info("bill issued [deviceId: {}, period: {}]", deviceId, period);
                        } else {
                            LOG.debug("bill already issued by another node [deviceId: {}, period: {}]", deviceId,
                                    period);
                        }
                    }));
        });
    }

}
