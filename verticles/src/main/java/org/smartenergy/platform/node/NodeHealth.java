package org.smartenergy.platform.node;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code /health/live} and {@code /health/ready} of a node, on its management port (next to {@code /metrics}).
 *
 * <p>Every backing service the node uses has its own check in the readiness JSON ({@code broker}: a TCP connect to
 * the AMQP port; {@code mongodb}: {@code ping}; {@code redis}: {@code PING}; {@code cluster}: this member is part of
 * the cluster) and its own gauge {@value #DEPENDENCY_UP_METRIC}{@code {dependency="..."}} (1 reachable, 0 not),
 * refreshed every {@value #REFRESH_MS} ms and on every readiness probe. Only some of them decide readiness
 * ({@code "required": true} in the JSON): those without which the node's <em>traffic-facing</em> role cannot do its
 * job.
 * <ul>
 *   <li>A node with the gateway or the ingestion role serves loggers: it is ready while intake works, i.e. the broker
 *       accepts connections (when it runs ingestion) and it is a cluster member (when clustered). MongoDB and Redis
 *       are not required: the broker absorbs a storage outage, Redis is only a cache, and the gateway's token cache
 *       keeps authenticating known loggers, so a load balancer following readiness does not cut intake off for an
 *       outage the design tolerates.</li>
 *   <li>A node with only billing and/or analytics serves no traffic: it is ready when it can do its work — billing:
 *       broker and MongoDB; analytics: MongoDB (and the cluster when clustered). Redis is never required.</li>
 * </ul>
 * Live: the node's event loop answers. The body of {@code /health/ready} is the Vert.x health-check JSON with
 * {@code status}/{@code outcome} computed from the required checks, {@code "required"} on each check and
 * {@code "degraded": true} when a check that is not required is down.
 */
final class NodeHealth implements AutoCloseable {

    /** Gauge per backing service: 1 reachable at the last check, 0 not (tag {@code dependency}). */
    static final String DEPENDENCY_UP_METRIC = "energy.dependency.up";
    /** Gauge: 1 when the node reports ready, 0 when not. */
    static final String READY_METRIC = "energy.node.ready";
    static final long REFRESH_MS = 5_000;
    private static final long CHECK_TIMEOUT_MS = 2_000;

    private final Vertx vertx;
    private final HealthChecks checks;
    private final Set<String> required = new LinkedHashSet<>();
    private final Map<String, AtomicInteger> up = new LinkedHashMap<>();
    private final AtomicInteger ready = new AtomicInteger();
    private final NetClient brokerProbe;
    private final long refreshTimer;

    NodeHealth(Vertx vertx, Set<Role> roles, String amqpUri, MongoClient mongo, Redis redis, MeterRegistry metrics) {
        this.vertx = vertx;
        this.checks = HealthChecks.create(vertx);
        boolean servesTraffic = roles.contains(Role.GATEWAY) || roles.contains(Role.INGESTION);
        boolean usesBroker = roles.contains(Role.INGESTION) || roles.contains(Role.BILLING);
        if (usesBroker) {
            URI uri = URI.create(amqpUri);
            String host = uri.getHost() == null ? "127.0.0.1" : uri.getHost();
            int port = uri.getPort() > 0 ? uri.getPort() : ("amqps".equals(uri.getScheme()) ? 5671 : 5672);
            brokerProbe = vertx.createNetClient(new NetClientOptions().setConnectTimeout((int) CHECK_TIMEOUT_MS));
            register("broker", roles.contains(Role.INGESTION) || !servesTraffic, p -> brokerProbe.connect(port, host)
                    .compose(socket -> socket.close())
                    .onComplete(ar -> complete(p, ar.succeeded(), host + ":" + port, ar.cause())));
        } else {
            brokerProbe = null;
        }
        if (mongo != null) {
            boolean storageRequired = !servesTraffic
                    && (roles.contains(Role.BILLING) || roles.contains(Role.ANALYTICS));
            register("mongodb", storageRequired, p -> mongo.runCommand("ping", new JsonObject().put("ping", 1))
                    .onComplete(ar -> complete(p, ar.succeeded(), "ping", ar.cause())));
        }
        if (redis != null) {
            register("redis", false, p -> redis.send(Request.cmd(Command.PING))
                    .onComplete(ar -> complete(p, ar.succeeded(), "PING", ar.cause())));
        }
        if (vertx.isClustered()) {
            register("cluster", true, p -> {
                var clusterManager = ((VertxInternal) vertx).clusterManager();
                p.tryComplete(clusterManager.isActive()
                        ? Status.OK(new JsonObject().put("members", clusterManager.getNodes().size()))
                        : Status.KO(new JsonObject().put("error", "not a member of the cluster")));
            });
        }
        up.forEach((id, value) -> Gauge.builder(DEPENDENCY_UP_METRIC, value, AtomicInteger::get)
                .description("1 when the backing service answered the node's last health check, 0 when not")
                .tag("dependency", id)
                .register(metrics));
        Gauge.builder(READY_METRIC, ready, AtomicInteger::get)
                .description("1 when /health/ready answers 200 (the checks the node's roles require are up)")
                .register(metrics);
        refreshTimer = vertx.setPeriodic(0, REFRESH_MS, id -> ready());
    }

    private void register(String id, boolean requiredForReadiness, io.vertx.core.Handler<Promise<Status>> procedure) {
        checks.register(id, CHECK_TIMEOUT_MS, procedure);
        up.put(id, new AtomicInteger());
        if (requiredForReadiness) {
            required.add(id);
        }
    }

    /**
     * Completes a check's promise once. The health-check runner fails a procedure itself when it exceeds
     * {@link #CHECK_TIMEOUT_MS}; the probe (a MongoDB ping waiting for server selection, a connect) may end after
     * that, and must then not complete the promise a second time.
     */
    private static void complete(Promise<Status> promise, boolean ok, String target, Throwable cause) {
        promise.tryComplete(ok
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
                boolean isReady = ar.succeeded() && ar.result().getBoolean("ready");
                JsonObject body = ar.succeeded() ? ar.result().getJsonObject("body")
                        : new JsonObject().put("status", "DOWN");
                request.response().setStatusCode(isReady ? 200 : 503)
                        .putHeader("content-type", "application/json")
                        .end(body.encode());
            });
            default -> request.response().setStatusCode(404).end();
        }
    }

    /** @return whether the node is ready (the required checks are up) */
    Future<Boolean> isReady() {
        return ready().map(r -> r.getBoolean("ready"));
    }

    /**
     * Runs every check, updates the gauges and computes readiness from the required ones.
     *
     * @return {@code {"ready": boolean, "body": <readiness JSON>}}
     */
    private Future<JsonObject> ready() {
        return checks.checkStatus().map(result -> {
            JsonObject body = result.toJson();
            JsonArray list = body.getJsonArray("checks", new JsonArray());
            boolean allRequiredUp = true;
            boolean degraded = false;
            for (CheckResult check : result.getChecks() == null ? java.util.List.<CheckResult>of() : result.getChecks()) {
                boolean checkUp = Boolean.TRUE.equals(check.getUp());
                AtomicInteger gauge = up.get(check.getId());
                if (gauge != null) {
                    gauge.set(checkUp ? 1 : 0);
                }
                if (required.contains(check.getId())) {
                    allRequiredUp &= checkUp;
                } else {
                    degraded |= !checkUp;
                }
            }
            for (int i = 0; i < list.size(); i++) {
                JsonObject check = list.getJsonObject(i);
                check.put("required", required.contains(check.getString("id")));
            }
            String status = allRequiredUp ? "UP" : "DOWN";
            body.put("status", status).put("outcome", status).put("degraded", degraded);
            ready.set(allRequiredUp ? 1 : 0);
            return new JsonObject().put("ready", allRequiredUp).put("body", body);
        });
    }

    @Override
    public void close() {
        vertx.cancelTimer(refreshTimer);
        if (brokerProbe != null) {
            brokerProbe.close();
        }
    }
}
