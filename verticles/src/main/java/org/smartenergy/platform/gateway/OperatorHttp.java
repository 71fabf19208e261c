package org.smartenergy.platform.gateway;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.auth.jwt.JWTAuth;

import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

/**
 * The operator HTTP API a gateway instance serves on {@code gateway.httpPort}, made once per instance on its own
 * context. {@code gateway/http}'s {@code OperatorRouter::serve} implements it and {@code node/Node} wires it in, so
 * that the gateway does not import its HTTP edge (no package cycle between {@code gateway} and {@code gateway/http}).
 */
@FunctionalInterface
public interface OperatorHttp {

    /**
     * What one gateway instance hands its HTTP API.
     *
     * @param revoke    tells every gateway node that a device's credentials changed ({@link DeviceRevocations})
     * @param listening whether this instance's servers listen (the API's own {@code /health/*})
     */
    record Wiring(Vertx vertx, JWTAuth jwt, DeviceAdmin devices, BiConsumer<String, String> revoke,
                  UsageQueries usage, BillQueries bills, TariffAdmin tariffs, BooleanSupplier listening) {
    }

    /** @return the API's request handler, once it is ready to serve (its OpenAPI document compiled) */
    Future<Handler<HttpServerRequest>> handler(Wiring wiring);
}
