package org.smartenergy.platform.gateway.http;

import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.smartenergy.platform.billing.bills.BillService;
import org.smartenergy.platform.billing.bills.BillingNotFoundException;
import org.smartenergy.platform.billing.tariff.TariffJson;
import org.smartenergy.platform.domain.tariff.Tariff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

import static org.smartenergy.platform.gateway.http.HttpErrors.error;
import static org.smartenergy.platform.gateway.http.HttpErrors.json;

/**
 * {@code POST /api/v1/tariffs} (admin: a new version of a tariff), {@code GET /api/v1/tariffs} (the latest version
 * of each) and {@code GET /api/v1/tariffs/:id[?version=n]}. Tariff decimals are bounded by {@code TariffLimits}; an
 * invalid tariff is a 400 listing every problem ({@link HttpErrors}).
 */
final class TariffRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(TariffRoutes.class);

    private final BillService bills;

    TariffRoutes(BillService bills) {
        this.bills = Objects.requireNonNull(bills, "bills");
    }

    void mount(Router router) {
        router.post("/api/v1/tariffs").handler(OperatorAuth.admin()).handler(this::createTariff);
        router.get("/api/v1/tariffs").handler(OperatorAuth.reader()).handler(this::listTariffs);
        router.get("/api/v1/tariffs/:id").handler(OperatorAuth.reader()).handler(this::getTariff);
    }

    private void createTariff(RoutingContext ctx) {
        JsonObject body = JsonBodies.jsonObjectBody(ctx, "a tariff");
        if (body == null) {
            return;
        }
        User operator = OperatorAuth.operator(ctx);
        bills.tariffs().create(body, bills.clock().instant())
                .onSuccess(tariff -> {
                    LOG.info("tariff created [tariffId: {}, version: {}, operator: {}]", tariff.id(), tariff.version(),
                            operator.subject());
                    ctx.response().putHeader(HttpHeaders.LOCATION,
                            "/api/v1/tariffs/" + tariff.id() + "?version=" + tariff.version());
                    json(ctx, 201, TariffJson.toJson(tariff));
                })
                .onFailure(ctx::fail);
    }

    private void listTariffs(RoutingContext ctx) {
        bills.tariffs().latestOfEach()
                .onSuccess(list -> {
                    JsonArray array = new JsonArray();
                    list.forEach(t -> array.add(TariffJson.toJson(t)));
                    json(ctx, 200, new JsonObject().put("tariffs", array));
                })
                .onFailure(ctx::fail);
    }

    private void getTariff(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        String versionParam = ctx.queryParams().get("version");
        Integer version;
        try {
            version = versionParam == null ? null : Integer.valueOf(versionParam);
        } catch (NumberFormatException e) {
            error(ctx, 400, "bad_request", "version must be a whole number");
            return;
        }
        existing(id, version)
                .onSuccess(tariff -> json(ctx, 200, TariffJson.toJson(tariff)))
                .onFailure(ctx::fail);
    }

    /** @return the tariff (the latest version, or the given one), or fails with NOT_FOUND */
    Future<Tariff> existing(String id, Integer version) {
        Future<Tariff> found = version == null ? bills.tariffs().latest(id) : bills.tariffs().version(id, version);
        return found.compose(tariff -> tariff != null
                ? Future.succeededFuture(tariff)
                : Future.failedFuture(new BillingNotFoundException("tariff '" + id + "'"
                        + (version == null ? "" : " version " + version) + " does not exist")));
    }
}
