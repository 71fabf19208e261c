package org.smartenergy.platform.gateway;

import io.vertx.core.Future;
import org.smartenergy.platform.domain.tariff.BillView;

import java.time.YearMonth;
import java.util.List;

/**
 * The gateway's port for bills (operator API and {@code energy.v1.BillingService}); implemented by billing and wired
 * by the node. Bills come as domain {@link BillView}s; each edge maps them to its own wire form (the operator API's
 * JSON in {@code gateway.http}, the protobuf message in {@link BillCalls}). An unknown device or bill fails with a
 * {@link GatewayException} of kind NOT_FOUND; an unreachable store with
 * {@link org.smartenergy.platform.storage.StoreUnavailableException}.
 */
public interface BillQueries {

    /** @return the bill of the open period so far */
    Future<BillView> current(String deviceId);

    /** @return the bill of the period whose first day is in {@code month} */
    Future<BillView> forPeriod(String deviceId, YearMonth month);

    /** @return at most {@code limit} issued bills, newest first */
    Future<List<BillView>> issued(String deviceId, int limit);
}
