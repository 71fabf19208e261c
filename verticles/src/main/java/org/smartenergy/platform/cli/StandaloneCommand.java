package org.smartenergy.platform.cli;

import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.billing.BillingVerticle;
import org.smartenergy.platform.node.Node;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code standalone}: the platform with embedded backing services and a logger simulator, for a machine with only a
 * JDK. Prints where to look and an admin token, then a status line every {@code standalone.statusIntervalSeconds}
 * until Ctrl-C. This is a console program, so it prints to standard output; the services still log through SLF4J.
 */
@Command(name = "standalone", mixinStandardHelpOptions = true,
        description = "Run the platform with embedded RabbitMQ-compatible broker, Redis and MongoDB-compatible store "
                + "(standalone.* options) and a built-in logger simulator.")
public final class StandaloneCommand implements Callable<Integer> {

    @CommandLine.Mixin
    ConfigOption configOption = new ConfigOption();

    @Option(names = "--no-simulator", description = "Do not start the built-in logger simulator.")
    boolean noSimulator;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where embedded services keep data (default: standalone.dataDir).")
    String dataDir;

    @Override
    public Integer call() throws Exception {
        JsonObject config = configOption.load();
        JsonObject sa = config.getJsonObject("standalone");
        if (noSimulator) {
            sa.getJsonObject("simulator").put("enabled", false);
        }
        if (dataDir != null) {
            sa.put("dataDir", dataDir);
        }
        Standalone standalone;
        try {
            standalone = Standalone.start(config);
        } catch (Exception e) {
            System.err.println("standalone mode failed to start: " + e);
            return 1;
        }
        printBanner(standalone);
        ScheduledExecutorService status = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "standalone-status");
            t.setDaemon(true);
            return t;
        });
        int every = Math.max(1, sa.getInteger("statusIntervalSeconds"));
        double[] lastReceived = {0};
        status.scheduleAtFixedRate(() -> {
            double received = standalone.count("energy.readings.received");
            System.out.printf("%s  readings/s %.1f  received %.0f  accepted %.0f  rejected %.0f  stored %.0f%n",
                    LocalTime.now().truncatedTo(ChronoUnit.SECONDS), (received - lastReceived[0]) / every, received,
                    standalone.count("energy.readings.accepted"), standalone.count("energy.readings.rejected"),
                    standalone.count(BillingVerticle.STORED_METRIC));
            lastReceived[0] = received;
        }, every, every, TimeUnit.SECONDS);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            status.shutdownNow();
            System.out.println("stopping: simulator, node, embedded services");
            standalone.close();
            stopped.countDown();
        }, "standalone-shutdown"));
        stopped.await();
        return 0;
    }

    private static void printBanner(Standalone standalone) {
        JsonObject config = standalone.config();
        JsonObject sa = config.getJsonObject("standalone");
        Node node = standalone.node();
        StringBuilder sb = new StringBuilder();
        sb.append("Smart Energy Platform - standalone; data in ").append(sa.getString("dataDir")).append('\n');
        sb.append("  gRPC for loggers:  127.0.0.1:").append(node.grpcPort()).append('\n');
        sb.append("  operator API:      ").append(standalone.httpUrl()).append("/api/v1  (health: ")
                .append(standalone.httpUrl()).append("/health/ready)\n");
        if (node.metricsPort() > 0) {
            sb.append("  metrics:           http://127.0.0.1:").append(node.metricsPort()).append("/metrics\n");
        }
        sb.append("  AMQP broker:       ").append(sa.getBoolean("embedRabbitmq") ? "embedded Qpid Broker-J, " : "")
                .append(config.getJsonObject("rabbitmq").getString("uri").replaceAll("//[^@]*@", "//")).append('\n');
        sb.append("  Redis:             ").append(sa.getBoolean("embedRedis") ? "embedded, " : "")
                .append(config.getJsonObject("redis").getString("connectionString")).append('\n');
        sb.append("  MongoDB:           ").append(sa.getBoolean("embedMongo") ? "embedded (mongo-java-server), " : "")
                .append(config.getJsonObject("mongo").getString("connectionString")).append('\n');
        sb.append("  admin token (24 h; use as 'Authorization: Bearer <token>'):\n    ")
                .append(standalone.adminToken()).append('\n');
        if (standalone.generatedSecret()) {
            sb.append("  (gateway.jwtSecret was empty: a random one is used for this run only;"
                    + " set SEP_GATEWAY_JWT_SECRET to keep tokens valid across restarts)\n");
        }
        if (standalone.simulation() != null) {
            JsonObject s = sa.getJsonObject("simulator");
            sb.append(String.format("  simulator:         %d devices (%s-0..%d), %.1f readings/s each, %d s intervals%n",
                    s.getInteger("devices"), standalone.simulatorPrefix(), s.getInteger("devices") - 1,
                    s.getDouble("ratePerDevice"), s.getInteger("intervalSeconds")));
        } else if (sa.getJsonObject("simulator").getBoolean("enabled")) {
            sb.append("  simulator:         not installed (energy-platform-bench.jar is not next to the jar)\n");
        }
        sb.append("  usage of a device: curl -H \"Authorization: Bearer $TOKEN\" '").append(standalone.httpUrl())
                .append("/api/v1/devices/<id>/usage?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z&step=day'\n");
        sb.append("Ctrl-C stops everything.");
        System.out.println(sb);
    }
}
