package org.smartenergy.platform.node;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import org.smartenergy.platform.billing.BillingOptions;
import org.smartenergy.platform.billing.BillingVerticle;
import org.smartenergy.platform.billing.MongoReadingStore;
import org.smartenergy.platform.billing.MongoSettings;
import org.smartenergy.platform.billing.ReadingStore;
import org.smartenergy.platform.billing.RedisSettings;
import org.smartenergy.platform.billing.UsageCache;
import org.smartenergy.platform.device.DeviceRegistry;
import org.smartenergy.platform.device.MongoDeviceRegistry;
import org.smartenergy.platform.gateway.GatewayOptions;
import org.smartenergy.platform.gateway.GatewayVerticle;
import org.smartenergy.platform.ingestion.IngestionOptions;
import org.smartenergy.platform.ingestion.IngestionVerticle;
import org.smartenergy.platform.queue.RabbitSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One platform node: creates the clients its roles need, deploys the role verticles (billing first, gateway last,
 * so intake opens only when everything behind it is up) and takes them down in the reverse order. The launcher and
 * the end-to-end tests both go through this class, so tests exercise the production wiring.
 */
public final class Node {

    private static final Logger LOG = LoggerFactory.getLogger(Node.class);

    private final Vertx vertx;
    private final JsonObject config;
    private final Set<Role> roles;
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<String> deployments = Collections.synchronizedList(new ArrayList<>());
    private final List<GatewayVerticle> gateways = new CopyOnWriteArrayList<>();
    private MongoClient mongo;
    private Redis redis;
    private HttpServer metricsServer;

    private Node(Vertx vertx, JsonObject config, Set<Role> roles) {
        this.vertx = vertx;
        this.config = config;
        this.roles = roles;
    }

    /**
     * Deploys the roles named in {@code node.roles} of the configuration on the given Vert.x instance.
     *
     * @return the running node; fails (after undoing what was started) if any role could not start
     */
    public static Future<Node> start(Vertx vertx, JsonObject config) {
        Set<Role> roles;
        try {
            roles = Role.parse(config.getJsonObject("node").getString("roles"));
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        Node node = new Node(vertx, config, roles);
        return node.deploy()
                .map(node)
                .recover(err -> node.stop().transform(ignored -> Future.failedFuture(err)));
    }

    private Future<Void> deploy() {
        LOG.info("starting node [roles: {}]", roles);
        RabbitSettings rabbit = RabbitSettings.fromJson(config.getJsonObject("rabbitmq"));
        MongoReadingStore store = null;
        DeviceRegistry devices = null;
        if (roles.contains(Role.GATEWAY) || roles.contains(Role.BILLING)) {
            MongoSettings mongoSettings = MongoSettings.fromJson(config.getJsonObject("mongo"));
            mongo = MongoClient.createShared(vertx, mongoSettings.toClientConfig(), "energy-mongo");
            BillingOptions billing = BillingOptions.fromJson(config.getJsonObject("billing"));
            store = new MongoReadingStore(mongo, billing.readingsCollection());
            devices = new MongoDeviceRegistry(mongo);
        }
        Future<Void> chain = startMetricsServer();
        if (store != null) {
            ReadingStore s = store;
            DeviceRegistry d = devices;
            chain = chain.compose(v -> s.init()).compose(v -> d.init());
        }
        if (roles.contains(Role.BILLING)) {
            BillingOptions billing = BillingOptions.fromJson(config.getJsonObject("billing"));
            RedisSettings redisSettings = RedisSettings.fromJson(config.getJsonObject("redis"));
            redis = Redis.createClient(vertx, redisSettings.toRedisOptions());
            UsageCache cache = new UsageCache(RedisAPI.api(redis), store, billing.redisKeyPrefix(),
                    redisSettings.commandTimeoutMs(), metrics);
            ReadingStore s = store;
            chain = chain.compose(v -> deploy("billing",
                    () -> new BillingVerticle(billing, rabbit, s, cache, metrics)));
        }
        if (roles.contains(Role.INGESTION)) {
            IngestionOptions ingestion = IngestionOptions.fromJson(config.getJsonObject("ingestion"));
            chain = chain.compose(v -> deploy("ingestion",
                    () -> new IngestionVerticle(ingestion, rabbit, metrics, Clock.systemUTC())));
        }
        if (roles.contains(Role.GATEWAY)) {
            GatewayOptions gateway = GatewayOptions.fromJson(config.getJsonObject("gateway"));
            ReadingStore s = store;
            DeviceRegistry d = devices;
            chain = chain.compose(v -> deploy("gateway", () -> {
                GatewayVerticle verticle = new GatewayVerticle(gateway, d, s, metrics);
                gateways.add(verticle);
                return verticle;
            }));
        }
        return chain.onSuccess(v -> LOG.info("node started [roles: {}, metrics port: {}]", roles, metricsPort()));
    }

    private Future<Void> deploy(String name, java.util.function.Supplier<io.vertx.core.Deployable> supplier) {
        return vertx.deployVerticle(supplier, new DeploymentOptions().setInstances(1))
                .onSuccess(id -> {
                    deployments.add(id);
                    LOG.info("deployed {} [deployment: {}]", name, id);
                })
                .mapEmpty();
    }

    private Future<Void> startMetricsServer() {
        JsonObject node = config.getJsonObject("node");
        int port = node.getInteger("metricsPort");
        if (port < 0) {
            return Future.succeededFuture();
        }
        return vertx.createHttpServer()
                .requestHandler(req -> {
                    if ("/metrics".equals(req.path())) {
                        req.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                                .end(metrics.scrape());
                    } else {
                        req.response().setStatusCode(404).end();
                    }
                })
                .listen(port, node.getString("metricsHost"))
                .onSuccess(server -> metricsServer = server)
                .mapEmpty();
    }

    /**
     * Stops intake first (gateway), lets ingestion fail or confirm what it holds, then stops billing and closes the
     * clients. Safe to call more than once.
     */
    public Future<Void> stop() {
        List<String> ids;
        synchronized (deployments) {
            ids = new ArrayList<>(deployments);
            deployments.clear();
        }
        Collections.reverse(ids);
        Future<Void> chain = Future.succeededFuture();
        for (String id : ids) {
            chain = chain.compose(v -> vertx.undeploy(id)
                    .recover(err -> {
                        LOG.warn("undeploying [deployment: {}] failed", id, err);
                        return Future.succeededFuture();
                    }));
        }
        return chain.compose(v -> {
            List<Future<Void>> closes = new ArrayList<>();
            if (metricsServer != null) {
                closes.add(metricsServer.close());
            }
            if (mongo != null) {
                closes.add(mongo.close());
            }
            if (redis != null) {
                redis.close();
            }
            return Future.join(closes).<Void>mapEmpty();
        }).onComplete(ar -> LOG.info("node stopped"));
    }

    /** @return the metrics of this node */
    public MeterRegistry metrics() {
        return metrics;
    }

    /** @return the Prometheus registry, for the {@code /metrics} endpoint */
    public PrometheusMeterRegistry prometheus() {
        return metrics;
    }

    /** @return the roles this node runs */
    public Set<Role> roles() {
        return roles;
    }

    /** @return the bound gRPC port of the (first) gateway, or -1 without the gateway role */
    public int grpcPort() {
        return gateways.isEmpty() ? -1 : gateways.get(0).grpcPort();
    }

    /** @return the bound HTTP port of the (first) gateway, or -1 without the gateway role */
    public int httpPort() {
        return gateways.isEmpty() ? -1 : gateways.get(0).httpPort();
    }

    /** @return the bound metrics port, or -1 when disabled */
    public int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.actualPort();
    }
}
