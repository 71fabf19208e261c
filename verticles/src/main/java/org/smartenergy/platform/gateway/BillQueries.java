package org.smartenergy.platform.gateway;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.YearMonth;
import java.util.List;

/**
 * The gateway's port for bills (operator API and {@code energy.v1.BillingService}); implemented by billing and wired
 * by the node. Bills come as their API JSON (the {@code BillView} form the operator API answers, which
 * {@link BillCalls} maps to protobuf). An unknown device or bill fails with a {@link GatewayException} of kind
 * NOT_FOUND; an unreachable store with {@link org.smartenergy.platform.storage.StoreUnavailableException}.
 */
public interface BillQueries {

    /** @return the bill of the open period so far */
    Future<JsonObject> current(String deviceId);

    /** @return the bill of the period whose first day is in {@code month} */
    Future<JsonObject> forPeriod(String deviceId, YearMonth month);

    /** @return at most {@code limit} issued bills, newest first */
    Future<List<JsonObject>> issued(String deviceId, int limit);
}
