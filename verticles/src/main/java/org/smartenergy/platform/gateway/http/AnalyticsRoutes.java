package org.smartenergy.platform.gateway.http;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.smartenergy.platform.analytics.AnalyticsApi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

import static org.smartenergy.platform.gateway.http.HttpErrors.error;
import static org.smartenergy.platform.gateway.http.HttpErrors.json;

/**
 * {@code GET /api/v1/analytics/today} and {@code GET /api/v1/analytics/top-consumers[?limit=1..1000]}, answered
 * over the event bus by a node running the analytics role ({@link AnalyticsApi}); no answer within 5 s is a 503.
 */
final class AnalyticsRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(AnalyticsRoutes.class);
    private static final long ANALYTICS_TIMEOUT_MS = 5_000;

    private final Vertx vertx;

    AnalyticsRoutes(Vertx vertx) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
    }

    void mount(Router router) {
        router.get("/api/v1/analytics/today").handler(OperatorAuth.reader())
                .handler(ctx -> analytics(ctx, new JsonObject().put("query", AnalyticsApi.QUERY_TODAY)));
        router.get("/api/v1/analytics/top-consumers").handler(OperatorAuth.reader()).handler(this::topConsumers);
    }

    private void topConsumers(RoutingContext ctx) {
        String limit = ctx.request().getParam("limit", "10");
        int n;
        try {
            n = Integer.parseInt(limit);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 1 || n > 1000) {
            error(ctx, 400, "bad_request", "limit must be a whole number from 1 to 1000");
            return;
        }
        analytics(ctx, new JsonObject().put("query", AnalyticsApi.QUERY_TOP).put("limit", n));
    }

    private void analytics(RoutingContext ctx, JsonObject query) {
        vertx.eventBus().<JsonObject>request(AnalyticsApi.ADDRESS, query,
                        new DeliveryOptions().setSendTimeout(ANALYTICS_TIMEOUT_MS))
                .onSuccess(reply -> json(ctx, 200, reply.body()))
                .onFailure(e -> {
                    LOG.debug("analytics query failed: {}", e.toString());
                    error(ctx, 503, "unavailable",
                            "analytics is not available (is a node running the analytics role?), retry later");
                });
    }
}
