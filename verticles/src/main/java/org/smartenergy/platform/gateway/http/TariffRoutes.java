package org.smartenergy.platform.gateway.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.smartenergy.platform.domain.tariff.Tariff;
import org.smartenergy.platform.gateway.TariffAdmin;
import org.smartenergy.platform.tariffjson.TariffJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

import static org.smartenergy.platform.gateway.http.HttpErrors.error;
import static org.smartenergy.platform.gateway.http.HttpErrors.json;

/**
 * {@code POST /api/v1/tariffs} (admin: a new version of a tariff), {@code GET /api/v1/tariffs} (the latest version
 * of each) and {@code GET /api/v1/tariffs/:id[?version=n]}. Bodies are parsed and answers rendered here, as the tariff
 * JSON document ({@link TariffJson}); the port takes and gives domain {@link Tariff}s. Tariff decimals are bounded by
 * {@code TariffLimits}; an invalid tariff is a 400 listing every problem ({@link HttpErrors}).
 */
final class TariffRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(TariffRoutes.class);

    private final TariffAdmin tariffs;

    TariffRoutes(TariffAdmin tariffs) {
        this.tariffs = Objects.requireNonNull(tariffs, "tariffs");
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
        Tariff definition;
        try {
            definition = TariffJson.definition(body);
        } catch (RuntimeException e) {
            // an InvalidTariffException names every problem: answered 400 by HttpErrors
            ctx.fail(e);
            return;
        }
        User operator = OperatorAuth.operator(ctx);
        tariffs.create(definition)
                .onSuccess(tariff -> {
                    String id = tariff.id();
                    int version = tariff.version();
                    LOG.info("tariff created [tariffId: {}, version: {}, operator: {}]", id, version,
                            operator.subject());
                    ctx.response().putHeader(HttpHeaders.LOCATION, "/api/v1/tariffs/" + id + "?version=" + version);
                    json(ctx, 201, TariffJson.toJson(tariff));
                })
                .onFailure(ctx::fail);
    }

    private void listTariffs(RoutingContext ctx) {
        tariffs.latestOfEach()
                .onSuccess(list -> {
                    JsonArray array = new JsonArray();
                    list.forEach(tariff -> array.add(TariffJson.toJson(tariff)));
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
        tariffs.find(id, version)
                .onSuccess(tariff -> json(ctx, 200, TariffJson.toJson(tariff)))
                .onFailure(ctx::fail);
    }

}
