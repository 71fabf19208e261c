package org.smartenergy.platform.gateway.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.smartenergy.platform.gateway.BillQueries;

import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.regex.Pattern;

import static org.smartenergy.platform.gateway.http.HttpErrors.error;
import static org.smartenergy.platform.gateway.http.HttpErrors.json;

/**
 * A device's bills: {@code GET /api/v1/devices/:id/bills} (the issued ones, newest first, at most
 * {@value #MAX_LISTED_BILLS}), {@code .../bills/current} (the open period so far) and {@code .../bills/yyyy-MM}.
 * A period that is not {@code yyyy-MM} is refused with 400. Bills are rendered by {@link BillJsonMapper}.
 */
final class BillRoutes {

    /** Issued bills listed at most (ten years of monthly bills). */
    static final int MAX_LISTED_BILLS = 120;
    /** A bill period in a path: a four-digit year and a month. */
    private static final Pattern PERIOD = Pattern.compile("\\d{4}-\\d{2}");

    private final DeviceRoutes devices;
    private final BillQueries bills;

    BillRoutes(DeviceRoutes devices, BillQueries bills) {
        this.devices = Objects.requireNonNull(devices, "devices");
        this.bills = Objects.requireNonNull(bills, "bills");
    }

    void mount(Router router) {
        router.get("/api/v1/devices/:id/bills").handler(OperatorAuth.reader()).handler(this::listBills);
        // before ":period", which would otherwise take "current"
        router.get("/api/v1/devices/:id/bills/current").handler(OperatorAuth.reader()).handler(this::currentBill);
        router.get("/api/v1/devices/:id/bills/:period").handler(OperatorAuth.reader()).handler(this::getBill);
    }

    private void listBills(RoutingContext ctx) {
        String deviceId = ctx.pathParam("id");
        devices.existing(deviceId)
                .compose(device -> bills.issued(deviceId, MAX_LISTED_BILLS))
                .onSuccess(list -> {
                    JsonArray array = new JsonArray();
                    list.forEach(bill -> array.add(BillJsonMapper.toJson(bill)));
                    json(ctx, 200, new JsonObject().put("deviceId", deviceId).put("bills", array));
                })
                .onFailure(ctx::fail);
    }

    private void currentBill(RoutingContext ctx) {
        bills.current(ctx.pathParam("id"))
                .onSuccess(bill -> json(ctx, 200, BillJsonMapper.toJson(bill)))
                .onFailure(ctx::fail);
    }

    private void getBill(RoutingContext ctx) {
        YearMonth month;
        try {
            String period = ctx.pathParam("period");
            if (!PERIOD.matcher(period).matches()) {
                throw new DateTimeParseException("not yyyy-MM", period, 0);
            }
            month = YearMonth.parse(period);
        } catch (DateTimeParseException e) {
            error(ctx, 400, "bad_request", "the period must be yyyy-MM (the month its first day is in), or current");
            return;
        }
        bills.forPeriod(ctx.pathParam("id"), month)
                .onSuccess(bill -> json(ctx, 200, BillJsonMapper.toJson(bill)))
                .onFailure(ctx::fail);
    }
}
