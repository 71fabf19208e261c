package org.smartenergy.platform.cli;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.gateway.OperatorTokens;
import org.smartenergy.platform.node.EmbeddedAmqpBroker;
import org.smartenergy.platform.node.EmbeddedMongo;
import org.smartenergy.platform.node.EmbeddedRedis;
import org.smartenergy.platform.node.Node;
import org.smartenergy.platform.queue.QueueTopology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The whole platform in one process for a machine with only a JDK ({@code standalone}): the backing services run
 * embedded on 127.0.0.1 (Qpid Broker-J for RabbitMQ, a bundled redis-server, mongo-java-server with an H2 file for
 * MongoDB), each only when its {@code standalone.embed*} option is on, and the node connects to them through the
 * ordinary clients and configuration keys, so the code path is the production one. Optionally the logger simulator
 * of the tools jar ({@link Tools}) feeds it through the gateway's gRPC port.
 */
public final class Standalone implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Standalone.class);

    private final JsonObject config;
    private final List<AutoCloseable> services = Collections.synchronizedList(new ArrayList<>());
    private final boolean generatedSecret;
    private Vertx vertx;
    private Node node;
    private String adminToken;
    private AutoCloseable simulation;
    private String simulatorPrefix;

    private Standalone(JsonObject config, boolean generatedSecret) {
        this.config = config;
        this.generatedSecret = generatedSecret;
    }

    /**
     * Starts the embedded services, the node (every role) and the simulator (blocking).
     *
     * @param config the node configuration; its {@code rabbitmq}, {@code redis}, {@code mongo} and
     *               {@code gateway.jwtSecret} entries are pointed at the embedded services and a generated secret
     *               where needed
     * @return the running platform; close it to stop everything
     */
    public static Standalone start(JsonObject config) throws Exception {
        JsonObject gateway = config.getJsonObject("gateway");
        boolean generated = gateway.getString("jwtSecret", "").isEmpty();
        if (generated) {
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            gateway.put("jwtSecret", Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
        }
        config.getJsonObject("node").put("roles", "gateway,ingestion,billing,analytics");
        Standalone standalone = new Standalone(config, generated);
        try {
            standalone.startAll();
            return standalone;
        } catch (Exception e) {
            standalone.close();
            throw e;
        }
    }

    private void startAll() throws Exception {
        JsonObject sa = config.getJsonObject("standalone");
        Path dataDir = Path.of(sa.getString("dataDir"));
        if (sa.getBoolean("embedRabbitmq")) {
            int port = port(sa, "amqpPort");
            JsonObject rabbit = config.getJsonObject("rabbitmq");
            // Broker-J has classic queues only
            rabbit.getJsonObject("topology").put("queueType", "classic");
            rabbit.put("uri", "amqp://guest:guest@127.0.0.1:" + port);
            services.add(EmbeddedAmqpBroker.start(dataDir.resolve("amqp"), port,
                    QueueTopology.fromJson(rabbit.getJsonObject("topology"))));
        }
        if (sa.getBoolean("embedRedis")) {
            int port = port(sa, "redisPort");
            config.getJsonObject("redis").put("connectionString", "redis://127.0.0.1:" + port);
            services.add(EmbeddedRedis.start(dataDir.resolve("redis"), port));
        }
        if (sa.getBoolean("embedMongo")) {
            int port = port(sa, "mongoPort");
            JsonObject mongo = config.getJsonObject("mongo");
            JsonObject embedded = mongo.getJsonObject("embedded").put("enabled", true).put("port", port)
                    .put("dataFile", dataDir.resolve("mongo.mv").toString());
            mongo.put("connectionString", "mongodb://127.0.0.1:" + port + "/?w=majority&journal=true");
            services.add(EmbeddedMongo.start(embedded));
        }
        io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry = Node.newRegistry();
        vertx = Node.vertxBuilder(registry).build();
        node = Node.start(vertx, config, registry).await(2, TimeUnit.MINUTES);
        JsonObject gateway = config.getJsonObject("gateway");
        adminToken = OperatorTokens.mint(vertx, gateway.getString("jwtSecret"), gateway.getString("jwtIssuer"),
                "standalone-admin", List.of(OperatorTokens.ADMIN), Duration.ofDays(1));
        JsonObject sim = sa.getJsonObject("simulator");
        if (sim.getBoolean("enabled")) {
            List<Tools> tools = Tools.installed();
            if (tools.isEmpty()) {
                LOG.warn("standalone.simulator.enabled, but the logger simulator (energy-platform-bench.jar) is not"
                        + " on the class path: running without it");
            } else {
                simulatorPrefix = "sim-" + UUID.randomUUID().toString().substring(0, 8);
                simulation = tools.get(0).startSimulator(sim, "127.0.0.1:" + node.grpcPort(), httpUrl(), adminToken,
                        simulatorPrefix);
            }
        }
    }

    /** The configured port, or a free one for 0 (picked here because the embedded services need it up front). */
    private static int port(JsonObject standalone, String key) throws IOException {
        int port = standalone.getInteger(key);
        if (port != 0) {
            return port;
        }
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** @return the configuration as the node runs it (embedded addresses filled in) */
    public JsonObject config() {
        return config;
    }

    /** @return the running node */
    public Node node() {
        return node;
    }

    /** @return an operator token with role admin, valid for a day */
    public String adminToken() {
        return adminToken;
    }

    /** @return true if {@code gateway.jwtSecret} was empty and a random one was generated for this run */
    public boolean generatedSecret() {
        return generatedSecret;
    }

    /** @return the simulation feeding the node (the tools' own type), or null when the simulator is off or absent */
    public AutoCloseable simulation() {
        return simulation;
    }

    /** @return the device id prefix of the simulated loggers, or null without a simulation */
    public String simulatorPrefix() {
        return simulatorPrefix;
    }

    /** @return the operator API base URL on loopback */
    public String httpUrl() {
        return "http://127.0.0.1:" + node.httpPort();
    }

    /** @return the sum of a counter over all its tags in the node's registry */
    public double count(String counterName) {
        MeterRegistry registry = node.metrics();
        return registry.find(counterName).counters().stream().mapToDouble(Counter::count).sum();
    }

    /** Stops the simulator, the node (in-flight work first) and then the embedded services. Blocking. */
    @Override
    public void close() {
        if (simulation != null) {
            try {
                simulation.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                LOG.warn("stopping the simulator failed: {}", e.getMessage());
            }
        }
        if (vertx != null) {
            long timeout = config.getJsonObject("node").getLong("shutdownTimeoutMs");
            try {
                (node == null ? vertx.close() : node.stop().compose(v -> vertx.close()))
                        .await(timeout, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                LOG.warn("node shutdown did not finish cleanly: {}", e.getMessage());
            }
        }
        List<AutoCloseable> started = new ArrayList<>(services);
        Collections.reverse(started);
        for (AutoCloseable service : started) {
            try {
                service.close();
            } catch (Exception e) {
                LOG.warn("stopping [{}] failed: {}", service.getClass().getSimpleName(), e.getMessage());
            }
        }
        services.clear();
    }
}
