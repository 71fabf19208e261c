package org.smartenergy.platform.node;

import org.smartenergy.platform.gateway.http.OperatorRouter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import org.smartenergy.platform.analytics.AnalyticsOptions;
import org.smartenergy.platform.analytics.AnalyticsVerticle;
import org.smartenergy.platform.analytics.SilentDevices;
import org.smartenergy.platform.analytics.UsageAnalytics;
import org.smartenergy.platform.billing.BillingOptions;
import org.smartenergy.platform.billing.BillingVerticle;
import org.smartenergy.platform.billing.MongoReadingStore;
import org.smartenergy.platform.billing.MongoSettings;
import org.smartenergy.platform.billing.ReadingStore;
import org.smartenergy.platform.billing.RedisSettings;
import org.smartenergy.platform.billing.UsageCache;
import org.smartenergy.platform.billing.bills.BillCache;
import org.smartenergy.platform.billing.bills.BillMetrics;
import org.smartenergy.platform.billing.bills.BillPorts;
import org.smartenergy.platform.billing.bills.BillRepository;
import org.smartenergy.platform.billing.bills.BillService;
import org.smartenergy.platform.billing.bills.RatingExecutor;
import org.smartenergy.platform.billing.bills.TariffRepository;
import org.smartenergy.platform.device.MongoDeviceRegistry;
import org.smartenergy.platform.gateway.DeviceAdmin;
import org.smartenergy.platform.gateway.DeviceAuthenticator;
import org.smartenergy.platform.gateway.GatewayOptions;
import org.smartenergy.platform.gateway.GatewayVerticle;
import org.smartenergy.platform.ingestion.IngestionOptions;
import org.smartenergy.platform.ingestion.IngestionVerticle;
import org.smartenergy.platform.queue.RabbitSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
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
    private final PrometheusMeterRegistry metrics;
    private final Clock billingClock;
    private final List<String> deployments = Collections.synchronizedList(new ArrayList<>());
    private final List<GatewayVerticle> gateways = new CopyOnWriteArrayList<>();
    private MongoClient mongo;
    private Redis redis;
    private HttpServer metricsServer;
    private NodeHealth health;
    private DeviceAuthenticator authenticator;

    private Node(Vertx vertx, JsonObject config, Set<Role> roles, PrometheusMeterRegistry metrics, Clock billingClock) {
        this.vertx = vertx;
        this.billingClock = billingClock;
        this.metrics = metrics;
        this.config = config;
        this.roles = roles;
    }

    /** @return a fresh registry for a node: platform metrics and, through {@link #vertxBuilder}, Vert.x's own */
    public static PrometheusMeterRegistry newRegistry() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    /**
     * A Vert.x builder whose own metrics (event loops, event bus, HTTP/gRPC servers, pools) go to the node's
     * registry, so {@code /metrics} shows them next to the platform's.
     */
    public static VertxBuilder vertxBuilder(PrometheusMeterRegistry registry) {
        return Vertx.builder()
                .with(new VertxOptions().setMetricsOptions(metricsOptions()))
                .withMetrics(new MicrometerMetricsFactory(registry));
    }

    /** @return Vert.x metrics switched on, JVM metrics included; keep them when replacing the builder's options */
    public static MicrometerMetricsOptions metricsOptions() {
        return new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true);
    }

    /**
     * Deploys the roles named in {@code node.roles} of the configuration on the given Vert.x instance.
     *
     * @param registry the registry the Vert.x instance reports to (see {@link #vertxBuilder}); platform metrics are
     *                 added to it and served at {@code /metrics}
     * @return the running node; fails (after undoing what was started) if any role could not start
     */
    public static Future<Node> start(Vertx vertx, JsonObject config, PrometheusMeterRegistry registry) {
        return start(vertx, config, registry, Clock.systemUTC());
    }

    /**
     * As {@link #start(Vertx, JsonObject, PrometheusMeterRegistry)}, with the clock that decides which billing period
     * is open and which are due for closing (tests move it forward instead of waiting for a month to end).
     */
    public static Future<Node> start(Vertx vertx, JsonObject config, PrometheusMeterRegistry registry,
                                     Clock billingClock) {
        Set<Role> roles;
        try {
            ConfigLoader.requireKnownKeys(config);
            roles = Role.parse(config.getJsonObject("node").getString("roles"));
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        LogIdentity.set(LogIdentity.thisNode(), roles);
        Node node = new Node(vertx, config, roles, registry, billingClock);
        return node.deploy()
                .map(node)
                .recover(err -> node.stop().transform(ignored -> Future.failedFuture(err)));
    }

    private Future<Void> deploy() {
        LOG.info("starting node [roles: {}]", roles);
        RabbitSettings rabbit = RabbitSettings.fromJson(config.getJsonObject("rabbitmq"));
        BillingOptions billing = BillingOptions.fromJson(config.getJsonObject("billing"));
        MongoReadingStore store = null;
        DeviceAdmin devices = null;
        UsageAnalytics usageAnalytics = null;
        if (roles.contains(Role.GATEWAY) || roles.contains(Role.BILLING) || roles.contains(Role.ANALYTICS)) {
            MongoSettings mongoSettings = MongoSettings.fromJson(config.getJsonObject("mongo"));
            mongo = MongoClient.createShared(vertx, mongoSettings.toClientConfig(), "energy-mongo");
            store = new MongoReadingStore(mongo, billing.readingsCollection());
            devices = new MongoDeviceRegistry(mongo);
            usageAnalytics = new UsageAnalytics(mongo, billing.readingsCollection());
        }
        RedisSettings redisSettings = RedisSettings.fromJson(config.getJsonObject("redis"));
        boolean redisNeeded = roles.contains(Role.BILLING) || roles.contains(Role.ANALYTICS);
        if (redisNeeded || roles.contains(Role.GATEWAY)) {
            redis = Redis.createClient(vertx, redisSettings.toRedisOptions());
        }
        // each backing service has its own check and gauge; which of them decide readiness depends on the roles
        // (NodeHealth): Redis, a cache, never does, and storage does not on a node that takes in readings
        health = new NodeHealth(vertx, roles, rabbit.uri(), mongo, redis, metrics);
        Future<Void> chain = startManagementServer();
        BillService bills = null;
        if (store != null) {
            ReadingStore s = store;
            DeviceAdmin d = devices;
            TariffRepository tariffs = new TariffRepository(mongo);
            BillRepository billRepository = new BillRepository(mongo);
            BillCache billCache = new BillCache(RedisAPI.api(redis), billing.redisKeyPrefix(),
                    redisSettings.commandTimeoutMs(), metrics);
            bills = new BillService(tariffs, billRepository, store, billCache, billingClock,
                    Duration.ofHours(billing.closeGraceHours()), RatingExecutor.workerPool(vertx),
                    new BillMetrics(metrics));
            chain = chain.compose(v -> s.init()).compose(v -> d.init())
                    .compose(v -> tariffs.init()).compose(v -> billRepository.init());
        }
        BillService billService = bills;
        if (roles.contains(Role.BILLING)) {
            UsageCache cache = new UsageCache(RedisAPI.api(redis), store, billing.redisKeyPrefix(),
                    redisSettings.commandTimeoutMs(), metrics);
            ReadingStore s = store;
            chain = chain.compose(v -> deploy("billing",
                    () -> new BillingVerticle(billing, rabbit, s, cache, billService, metrics), 1));
        }
        if (roles.contains(Role.ANALYTICS)) {
            AnalyticsOptions analytics = AnalyticsOptions.fromJson(config.getJsonObject("analytics"));
            UsageAnalytics a = usageAnalytics;
            RedisAPI api = RedisAPI.api(redis);
            SilentDevices silent = new SilentDevices(mongo, billing.readingsCollection());
            // one instance: a periodic job whose result is the same however many run
            chain = chain.compose(v -> deploy("analytics", () -> new AnalyticsVerticle(analytics, a, silent, api,
                    billing.redisKeyPrefix(), metrics, Clock.systemUTC()), 1));
        }
        if (roles.contains(Role.INGESTION)) {
            IngestionOptions ingestion = IngestionOptions.fromJson(config.getJsonObject("ingestion"));
            // each instance: its own broker connection, open batch and confirm state, and a share of the node's
            // pending budget; the event bus round-robins requests over their consumers
            int instances = ingestion.effectiveInstances();
            IngestionOptions perInstance = ingestion.perInstance(instances);
            chain = chain.compose(v -> deploy("ingestion",
                    () -> new IngestionVerticle(perInstance, rabbit, metrics, Clock.systemUTC()), instances));
        }
        if (roles.contains(Role.GATEWAY)) {
            GatewayOptions gateway = GatewayOptions.fromJson(config.getJsonObject("gateway"));
            ReadingStore s = store;
            DeviceAdmin d = devices;
            // one token cache for all instances: a token is looked up once per node, not once per event loop; it
            // listens for the revocations of every node (DeviceRevocations)
            DeviceAuthenticator tokens = DeviceAuthenticator.create(d, gateway);
            authenticator = tokens;
            // billing's side of the gateway's bill and tariff ports
            BillPorts ports = billService == null ? null : new BillPorts(billService);
            chain = chain.compose(v -> tokens.listen(vertx.eventBus())).compose(v -> deploy("gateway", () -> {
                // grpc.health.v1.Health on the gRPC port reports the node's readiness (/health/ready)
                GatewayVerticle verticle = new GatewayVerticle(OperatorRouter::serve,
                        gateway, d, tokens, s, ports, ports, metrics,
                        health::isReady);
                gateways.add(verticle);
                return verticle;
            }, gateway.effectiveInstances()));
        }
        return chain.onSuccess(v -> LOG.info("node started [roles: {}, management port: {}]", roles, metricsPort()));
    }

    /** Deploys {@code instances} verticles made by {@code supplier}; Vert.x gives each its own event-loop context. */
    private Future<Void> deploy(String name, java.util.function.Supplier<io.vertx.core.Deployable> supplier,
                                int instances) {
        return vertx.deployVerticle(supplier, new DeploymentOptions().setInstances(instances))
                .onSuccess(id -> {
                    deployments.add(id);
                    LOG.info("deployed {} [deployment: {}, instances: {}]", name, id, instances);
                })
                .mapEmpty();
    }

    /** The management server: {@code /metrics} (Prometheus), {@code /health/live}, {@code /health/ready}. */
    private Future<Void> startManagementServer() {
        JsonObject node = config.getJsonObject("node");
        int port = node.getInteger("metricsPort");
        if (port < 0) {
            return Future.succeededFuture();
        }
        // HTTP/1.1 only, like the operator API (see GatewayVerticle): scrapers and probes need nothing else
        return vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions().setHttp2ClearTextEnabled(false))
                .requestHandler(req -> {
                    if ("/metrics".equals(req.path())) {
                        req.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                                .end(metrics.scrape());
                    } else if (req.path().startsWith("/health/")) {
                        health.handle(req);
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
            if (authenticator != null) {
                closes.add(authenticator.close());
            }
            if (mongo != null) {
                closes.add(mongo.close());
            }
            if (redis != null) {
                redis.close();
            }
            if (health != null) {
                health.close();
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

    /** @return the node's readiness, as {@code /health/ready} answers it (see {@link NodeHealth}) */
    public Future<Boolean> ready() {
        return health.isReady();
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
