package org.smartenergy.platform.billing.bills;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Billing's two periodic bill jobs, beside the reading path:
 * <ul>
 *   <li>Refresh: devices whose readings were stored are {@linkplain #markStored marked}, and every
 *       {@value #REFRESH_MS} ms their current bill is recomputed into the Redis cache
 *       ({@link BillService#refreshCache}), one device after the other (debounced: a device sending a reading per
 *       second costs one rating per interval, not one per reading).</li>
 *   <li>Closing: every {@code billing.closeCheckIntervalMs} due periods are closed ({@link BillService#closeAllDue()})
 *       while holding the cluster-wide lock {@value #CLOSE_LOCK} (on a single node, a local lock). The lock only saves
 *       duplicate work: should two nodes close at once anyway (e.g. a lock holder was partitioned away), the unique
 *       bill id still lets exactly one bill per period be issued.</li>
 * </ul>
 * A run still going when the next is due is not overlapped; after {@link #stop()} no run starts. Runs on the event
 * loop of the verticle that started it (the marks are not synchronized).
 */
public final class BillScheduler {

    /** How often the current bills of devices with new readings are recomputed into the cache. */
    public static final long REFRESH_MS = 2_000;
    /** Name of the cluster-wide lock held by the node closing periods. */
    public static final String CLOSE_LOCK = "energy.bills.close";

    private static final Logger LOG = LoggerFactory.getLogger(BillScheduler.class);

    private final Vertx vertx;
    private final BillService bills;
    private final long closeCheckIntervalMs;
    private final Set<String> touched = new LinkedHashSet<>();
    private long refreshTimer = -1;
    private long closeTimer = -1;
    private boolean refreshing;
    private boolean closing;
    private boolean stopped;

    /**
     * @param closeCheckIntervalMs {@code billing.closeCheckIntervalMs}
     */
    public BillScheduler(Vertx vertx, BillService bills, long closeCheckIntervalMs) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.bills = Objects.requireNonNull(bills, "bills");
        this.closeCheckIntervalMs = closeCheckIntervalMs;
    }

    /** Starts both timers. */
    public void start() {
        refreshTimer = vertx.setPeriodic(REFRESH_MS, id -> refreshTouchedBills());
        closeTimer = vertx.setPeriodic(closeCheckIntervalMs, id -> closeDuePeriods());
    }

    /** Marks a device whose readings were stored: its current bill is recomputed at the next refresh. */
    public void markStored(String deviceId) {
        touched.add(deviceId);
    }

    /** Cancels both timers; a run in progress finishes, none starts. */
    public void stop() {
        stopped = true;
        if (refreshTimer != -1) {
            vertx.cancelTimer(refreshTimer);
        }
        if (closeTimer != -1) {
            vertx.cancelTimer(closeTimer);
        }
    }

    /** Recomputes the cached current bill of each device whose readings were stored since the last run. */
    private void refreshTouchedBills() {
        if (refreshing || touched.isEmpty() || stopped) {
            return;
        }
        refreshing = true;
        List<String> devices = List.copyOf(touched);
        touched.clear();
        Future<Void> chain = Future.succeededFuture();
        for (String deviceId : devices) {
            chain = chain.compose(v -> bills.refreshCache(deviceId).recover(e -> {
                LOG.debug("current bill not refreshed [deviceId: {}]: {}", deviceId, e.toString());
                return Future.succeededFuture();
            }));
        }
        chain.onComplete(ar -> refreshing = false);
    }

    /** Closes due periods while holding {@value #CLOSE_LOCK}; skipped when another node holds it. */
    private void closeDuePeriods() {
        if (closing || stopped) {
            return;
        }
        closing = true;
        vertx.sharedData().getLockWithTimeout(CLOSE_LOCK, 100)
                .compose(lock -> bills.closeAllDue()
                        .onSuccess(n -> {
                            if (n > 0) {
                                LOG.info("periods closed [bills issued: {}]", n);
                            }
                        })
                        .eventually(() -> {
                            lock.release();
                            return Future.succeededFuture();
                        }))
                .onFailure(e -> LOG.debug("closing skipped or failed, retried on the next run: {}", e.toString()))
                .onComplete(ar -> closing = false);
    }
}
