package org.smartenergy.platform.gateway.http;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.smartenergy.platform.gateway.TariffAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;

import static org.smartenergy.platform.gateway.http.HttpErrors.error;
import static org.smartenergy.platform.gateway.http.HttpErrors.json;

/**
 * A device's supply (admin): {@code PUT /api/v1/devices/:id/tariff} assigns a tariff from an instant (optionally
 * pinned to a version), {@code DELETE /api/v1/devices/:id/tariff[?effectiveTo=]} ends the open supply. Instants
 * before 1970 are refused with 400; a rejected assignment is 409 (conflict) or 400.
 */
final class SupplyRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(SupplyRoutes.class);

    private final DeviceRoutes devices;
    private final TariffAdmin tariffs;

    SupplyRoutes(DeviceRoutes devices, TariffAdmin tariffs) {
        this.devices = Objects.requireNonNull(devices, "devices");
        this.tariffs = Objects.requireNonNull(tariffs, "tariffs");
    }

    void mount(Router router) {
        router.put("/api/v1/devices/:id/tariff").handler(OperatorAuth.admin()).handler(this::assignTariff);
        router.delete("/api/v1/devices/:id/tariff").handler(OperatorAuth.admin()).handler(this::endSupply);
    }

    private void assignTariff(RoutingContext ctx) {
        String deviceId = ctx.pathParam("id");
        JsonObject body;
        try {
            body = ctx.body().asJsonObject();
        } catch (DecodeException | ClassCastException e) {
            body = null;
        }
        if (body == null || !(body.getValue("tariffId") instanceof String tariffId) || tariffId.isBlank()
                || (body.getValue("version") != null && !(body.getValue("version") instanceof Integer))) {
            error(ctx, 400, "bad_request",
                    "the body must be {\"tariffId\": \"...\"} with an optional whole \"version\" to pin"
                            + " and an optional \"effectiveFrom\" instant");
            return;
        }
        Integer pinned = body.getInteger("version");
        Instant effective;
        try {
            effective = effectiveInstant(body.getValue("effectiveFrom"));
        } catch (IllegalArgumentException e) {
            error(ctx, 400, "bad_request", "effectiveFrom " + e.getMessage());
            return;
        }
        devices.existing(deviceId)
                .compose(device -> tariffs.assign(deviceId, tariffId, pinned, effective))
                .map(supply -> new JsonObject().put("deviceId", deviceId).put("tariffId", tariffId)
                        .put("version", pinned).put("effectiveVersion", supply.effectiveVersion())
                        .put("effectiveFrom", supply.from().toString()))
                .onSuccess(answer -> {
                    LOG.info("tariff assigned [deviceId: {}, tariffId: {}, pinnedVersion: {}, from: {}]", deviceId,
                            tariffId, pinned, answer.getString("effectiveFrom"));
                    json(ctx, 200, answer);
                })
                .onFailure(ctx::fail);
    }

    private void endSupply(RoutingContext ctx) {
        String deviceId = ctx.pathParam("id");
        Instant effective;
        try {
            effective = effectiveInstant(ctx.request().getParam("effectiveTo"));
        } catch (IllegalArgumentException e) {
            error(ctx, 400, "bad_request", "effectiveTo " + e.getMessage());
            return;
        }
        devices.existing(deviceId)
                .compose(device -> tariffs.endSupply(deviceId, effective))
                .onSuccess(segment -> {
                    LOG.info("supply ended [deviceId: {}, tariffId: {}, to: {}]", deviceId, segment.tariffId(),
                            segment.to());
                    json(ctx, 200, new JsonObject().put("deviceId", deviceId).put("tariffId", segment.tariffId())
                            .put("effectiveTo", segment.to().toString()));
                })
                .onFailure(ctx::fail);
    }

    /** An ISO-8601 instant ({@code 2026-01-15T00:00:00Z}) or null for "now". */
    private static Instant effectiveInstant(Object value) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof String text) || text.length() > 64) {
            throw new IllegalArgumentException("must be an ISO-8601 instant such as \"2026-01-15T00:00:00Z\"");
        }
        Instant instant;
        try {
            instant = Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("must be an ISO-8601 instant such as \"2026-01-15T00:00:00Z\"");
        }
        // beyond what a local date can hold the zone conversion would throw; no billing is that old anyway
        if (instant.isBefore(Instant.EPOCH)) {
            throw new IllegalArgumentException("must not be before 1970-01-01T00:00:00Z");
        }
        return instant;
    }

}
