package org.smartenergy.platform.gateway.http;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import org.smartenergy.platform.gateway.BillQueries;
import org.smartenergy.platform.gateway.DeviceAdmin;
import org.smartenergy.platform.gateway.OperatorHttp;
import org.smartenergy.platform.gateway.TariffAdmin;
import org.smartenergy.platform.gateway.UsageQueries;

import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

/**
 * The operator HTTP API (JSON) and the health checks, assembled from one routes class per resource.
 *
 * <p>{@code /api/*} needs {@code Authorization: Bearer <operator JWT>} ({@link OperatorAuth}). Errors are
 * {@code {"error": ..., "message": ...}} bodies rendered by {@link HttpErrors} with the status
 * {@link org.smartenergy.platform.gateway.ErrorMapping} assigns.
 *
 * <p>Hostile input is refused before any work: a body over the limit with 413 and {@code Connection: close}; a body
 * that is not JSON, or JSON that is not an object, with 400 and the reason; a body declared with another content
 * type with 415 ({@link JsonBodies}); a path that cannot be percent-decoded with 400 (logged at debug). A request
 * that passed its route's role check is then validated against the route's operation in the OpenAPI document
 * ({@link OperatorApiContract}), which is served at {@value #OPENAPI_PATH}.
 */
public final class OperatorRouter {

    /** Where the OpenAPI document of this API is served (without a token). */
    public static final String OPENAPI_PATH = "/api/v1/openapi.json";

    private final Vertx vertx;
    private final OperatorAuth auth;
    private final DeviceRoutes devices;
    private final UsageRoutes usage;
    private final AnalyticsRoutes analytics;
    private final BillQueries bills;
    private final TariffAdmin tariffs;
    private final BooleanSupplier ready;

    /**
     * @param bills   bills, or null for an API without tariffs and bills
     * @param tariffs tariffs and supplies, or null for an API without tariffs and bills
     * @param ready   whether the gateway is ready (answers {@code /health/ready})
     * @param revocations called with a device id and its {@link org.smartenergy.platform.gateway.DeviceRevocations}
     *                    change after a rotation, disabling, enabling or deletion
     */
    public OperatorRouter(Vertx vertx, JWTAuth jwt, DeviceAdmin devices, BiConsumer<String, String> revocations,
                          UsageQueries usage, BillQueries bills, TariffAdmin tariffs, BooleanSupplier ready) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.auth = new OperatorAuth(jwt);
        this.devices = new DeviceRoutes(vertx, devices, revocations);
        this.usage = new UsageRoutes(this.devices, usage);
        this.analytics = new AnalyticsRoutes(vertx);
        this.bills = bills;
        this.tariffs = tariffs;
        this.ready = Objects.requireNonNull(ready, "ready");
    }

    /**
     * The gateway's {@link OperatorHttp} port: the router of one gateway instance.
     *
     * @return the router as the HTTP server's request handler, once its OpenAPI document is compiled
     */
    public static Future<Handler<HttpServerRequest>> serve(OperatorHttp.Wiring w) {
        return new OperatorRouter(w.vertx(), w.jwt(), w.devices(), w.revoke(), w.usage(), w.bills(), w.tariffs(),
                w.listening()).router().map(router -> (Handler<HttpServerRequest>) router);
    }

    /**
     * @return a new router serving the whole API, once its OpenAPI document is loaded and compiled; fails if the
     *         document is not valid OpenAPI 3.1
     */
    public Future<Router> router() {
        return OperatorApiContract.load(vertx).map(this::router);
    }

    private Router router(OperatorApiContract contract) {
        Router router = Router.router(vertx);
        router.get("/health/live").handler(ctx -> HttpErrors.json(ctx, 200, new JsonObject().put("status", "UP")));
        router.get("/health/ready").handler(ctx -> {
            boolean up = ready.getAsBoolean();
            HttpErrors.json(ctx, up ? 200 : 503, new JsonObject().put("status", up ? "UP" : "DOWN"));
        });

        // the document needs no token: it holds no data, and tools fetch it before they have one
        router.get(OPENAPI_PATH).handler(ctx -> ctx.response().setStatusCode(200)
                .putHeader(HttpHeaders.CONTENT_TYPE, HttpErrors.JSON).end(contract.document()));

        // the body is read before any asynchronous step, and bounded (tariffs may be bigger than the rest; the
        // general handler below skips a body already read)
        router.post("/api/v1/tariffs").handler(BodyHandler.create(false)
                .setBodyLimit(JsonBodies.MAX_TARIFF_BODY_BYTES));
        router.postWithRegex(DeviceImport.PATH_REGEX).handler(BodyHandler.create(false)
                .setBodyLimit(DeviceImport.MAX_BODY_BYTES));
        router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(JsonBodies.MAX_BODY_BYTES));
        router.route("/api/*").handler(auth::authenticate);
        router.route("/api/*").handler(JsonBodies::requireJsonBody);
        // each route's role check then validates the request against the operation of the route it guards
        router.route("/api/*").handler(contract::attach);
        devices.mount(router);
        usage.mount(router);
        analytics.mount(router);
        if (bills != null && tariffs != null) {
            new TariffRoutes(tariffs).mount(router);
            new SupplyRoutes(devices, tariffs).mount(router);
            new BillRoutes(devices, bills).mount(router);
        }
        HttpErrors.install(router);
        return router;
    }
}
