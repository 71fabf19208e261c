package org.smartenergy.platform.billing.bills;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counters of bill closing, registered at 0 when the node starts so rate() and alerts see them before the first
 * bill: {@value #ISSUED_METRIC} (bills issued by this node), {@value #ADJUSTMENTS_METRIC} (adjustment lines on them:
 * late readings corrected an earlier period) and {@value #CLOSE_FAILURES_METRIC} (closings that failed and wait for
 * the next run, see {@link BillEvents#closeFailed}). Each bill is issued by exactly one node, so sums over the nodes
 * count every bill once.
 */
public final class BillMetrics implements BillEvents {

    /** Counter: bills issued (periods closed) by this node. */
    public static final String ISSUED_METRIC = "energy.bills.issued";
    /** Counter: adjustment lines on the bills this node issued. */
    public static final String ADJUSTMENTS_METRIC = "energy.bills.adjustments";
    /** Counter: failed closings (one device, or a whole run), retried on the next run. */
    public static final String CLOSE_FAILURES_METRIC = "energy.bills.close.failures";

    private final Counter issued;
    private final Counter adjustments;
    private final Counter closeFailures;

    public BillMetrics(MeterRegistry metrics) {
        issued = Counter.builder(ISSUED_METRIC).description("Bills issued (billing periods closed) by this node")
                .register(metrics);
        adjustments = Counter.builder(ADJUSTMENTS_METRIC)
                .description("Adjustment lines (late readings of an earlier period) on the bills this node issued")
                .register(metrics);
        closeFailures = Counter.builder(CLOSE_FAILURES_METRIC)
                .description("Closings of a device's due periods, or whole closing runs, that failed; retried on the next run")
                .register(metrics);
    }

    @Override
    public void issued(IssuedBill bill) {
        issued.increment();
        adjustments.increment(bill.bill().adjustmentLines().size());
    }

    @Override
    public void closeFailed(String deviceId, Throwable cause) {
        closeFailures.increment();
    }
}
