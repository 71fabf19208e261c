package org.smartenergy.platform.node;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.redis.client.Redis;

import java.net.URI;
import java.util.Set;

/**
 * {@code /health/live} and {@code /health/ready} of a node, on its management port (next to {@code /metrics}).
 * Live: the node's event loop answers. Ready: every backing service the node's roles need is reachable — the broker
 * (ingestion, billing: a TCP connect to the AMQP port), MongoDB (gateway, billing, analytics: {@code ping}), Redis
 * (billing, analytics: {@code PING}) and, on a clustered node, the cluster (this member is part of it).
 */
final class NodeHealth {

    private static final long CHECK_TIMEOUT_MS = 2_000;

    private final HealthChecks checks;

    NodeHealth(Vertx vertx, Set<Role> roles, String amqpUri, MongoClient mongo, Redis redis) {
        this.checks = HealthChecks.create(vertx);
        if (roles.contains(Role.INGESTION) || roles.contains(Role.BILLING)) {
            URI uri = URI.create(amqpUri);
            String host = uri.getHost() == null ? "127.0.0.1" : uri.getHost();
            int port = uri.getPort() > 0 ? uri.getPort() : ("amqps".equals(uri.getScheme()) ? 5671 : 5672);
            checks.register("broker", CHECK_TIMEOUT_MS, p -> vertx.createNetClient(
                            new NetClientOptions().setConnectTimeout((int) CHECK_TIMEOUT_MS))
                    .connect(port, host)
                    .compose(socket -> socket.close())
                    .onComplete(ar -> complete(p, ar.succeeded(), host + ":" + port, ar.cause())));
        }
        if (mongo != null) {
            checks.register("mongodb", CHECK_TIMEOUT_MS, p -> mongo.runCommand("ping", new JsonObject().put("ping", 1))
                    .onComplete(ar -> complete(p, ar.succeeded(), "ping", ar.cause())));
        }
        if (redis != null) {
            checks.register("redis", CHECK_TIMEOUT_MS, p -> redis.send(io.vertx.redis.client.Request.cmd(
                            io.vertx.redis.client.Command.PING))
                    .onComplete(ar -> complete(p, ar.succeeded(), "PING", ar.cause())));
        }
        if (vertx.isClustered()) {
            checks.register("cluster", CHECK_TIMEOUT_MS, p -> {
                var clusterManager = ((VertxInternal) vertx).clusterManager();
                boolean active = clusterManager.isActive();
                p.complete(active
                        ? Status.OK(new JsonObject().put("members", clusterManager.getNodes().size()))
                        : Status.KO(new JsonObject().put("error", "not a member of the cluster")));
            });
        }
    }

    private static void complete(Promise<Status> promise, boolean ok, String target, Throwable cause) {
        promise.complete(ok
                ? Status.OK(new JsonObject().put("target", target))
                : Status.KO(new JsonObject().put("target", target)
                .put("error", cause == null ? "unreachable" : String.valueOf(cause.getMessage()))));
    }

    /** Serves the two health paths; answers 404 for anything else under {@code /health}. */
    void handle(HttpServerRequest request) {
        switch (request.path()) {
            case "/health/live" -> request.response().putHeader("content-type", "application/json")
                    .end(new JsonObject().put("status", "UP").encode());
            case "/health/ready" -> ready().onComplete(ar -> {
                CheckResult result = ar.result();
                boolean up = ar.succeeded() && result.getUp();
                JsonObject body = ar.succeeded() ? result.toJson() : new JsonObject().put("status", "DOWN");
                request.response().setStatusCode(up ? 200 : 503)
                        .putHeader("content-type", "application/json")
                        .end(body.encode());
            });
            default -> request.response().setStatusCode(404).end();
        }
    }

    /** @return the readiness of every check */
    Future<CheckResult> ready() {
        return checks.checkStatus();
    }
}
