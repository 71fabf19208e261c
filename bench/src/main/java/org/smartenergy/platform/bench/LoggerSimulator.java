package org.smartenergy.platform.bench;

import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.gateway.OperatorTokens;
import org.smartenergy.platform.node.ConfigLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Logger simulator and load generator: provisions N simulated loggers through the operator API, then each streams
 * readings over {@code StreamReadings} (one stream per logger, at most {@code window} unacknowledged) at a given rate,
 * for a count or a duration, optionally injecting duplicates, out-of-order and invalid readings. Records the ack
 * latency of every reading (HdrHistogram, send to ack) and the outcomes: accepted, rejected by reason, failed calls
 * by gRPC status. A stream that fails is reopened after a second; its unacknowledged readings are counted as lost.
 *
 * <p>Timestamps: reading {@code n} of a logger ends at {@code first + (n + 1) x interval}, {@code first} chosen so
 * that the planned readings end about now (at most {@link Settings#backfill()} back); a logger whose next reading
 * would lie in the future waits for it, as a real one does. Usable from the command line ({@code simulate}) and as
 * a library ({@link #start}), e.g. by {@code standalone}.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Simulate N loggers streaming readings to a gateway; prints progress and an outcome/latency summary.")
public final class LoggerSimulator implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    GatewayTarget target = new GatewayTarget();

    @Option(names = "--devices", defaultValue = "10", description = "Simulated loggers, one device and one stream each (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(names = "--rate", defaultValue = "1", description = "Readings per second per device; 0: as fast as acks allow (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--count", defaultValue = "0", description = "Readings per device; 0: until --duration or Ctrl-C (default: ${DEFAULT-VALUE}).")
    long count;

    @Option(names = "--duration", description = "Stop after this long (ISO-8601, e.g. PT30S); default: no limit.")
    Duration duration;

    @Option(names = "--interval", defaultValue = "900", description = "Interval seconds of each reading (default: ${DEFAULT-VALUE}).")
    int intervalSeconds;

    @Option(names = "--window", defaultValue = "256", description = "Max unacknowledged readings per stream (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--duplicates", defaultValue = "0", description = "Percent of readings sent a second time (default: ${DEFAULT-VALUE}).")
    double duplicatePercent;

    @Option(names = "--out-of-order", defaultValue = "0", description = "Percent of readings sent after their successor (default: ${DEFAULT-VALUE}).")
    double outOfOrderPercent;

    @Option(names = "--invalid", defaultValue = "0", description = "Percent of extra invalid readings: negative, NaN or future (default: ${DEFAULT-VALUE}).")
    double invalidPercent;

    @Option(names = "--backfill", defaultValue = "P30D", description = "How far back the first reading may lie (default: ${DEFAULT-VALUE}).")
    Duration backfill;

    @Override
    public Integer call() throws Exception {
        String token = target.adminToken("simulator");
        Settings settings = new Settings(target.grpc, target.http, token, "sim-" + UUID.randomUUID().toString().substring(0, 8),
                devices, rate, count, duration, intervalSeconds, window, duplicatePercent, outOfOrderPercent,
                invalidPercent, backfill);
        Simulation simulation = start(settings);
        CountDownLatch reported = new CountDownLatch(1);
        // Ctrl-C: stop sending, then give the main thread time to collect the last acks and print the summary
        Thread hook = new Thread(() -> {
            simulation.stop();
            try {
                reported.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "simulator-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        long started = System.nanoTime();
        long lastSent = 0;
        while (!simulation.await(Duration.ofSeconds(1))) {
            SimulationStats s = simulation.stats();
            long sent = s.sent.sum();
            System.err.println(s.progressLine((System.nanoTime() - started) / 1e9, sent - lastSent));
            lastSent = sent;
        }
        simulation.close();
        SimulationStats s = simulation.stats();
        System.out.print(s.summary((System.nanoTime() - started) / 1e9));
        System.out.flush();
        reported.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // Ctrl-C: the hook is already running
        }
        return s.failedCalls.isEmpty() ? 0 : 1;
    }

    /** Mints a one-hour admin token from the configuration's {@code gateway.jwtSecret}. */
    static String mintAdminToken(Path config, String subject) throws Exception {
        JsonObject gateway = ConfigLoader.load(config, System.getenv()).getJsonObject("gateway");
        Vertx vertx = Vertx.vertx();
        try {
            return OperatorTokens.mint(vertx, gateway.getString("jwtSecret"), gateway.getString("jwtIssuer"),
                    subject, List.of(OperatorTokens.ADMIN), Duration.ofHours(1));
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    /**
     * What to simulate.
     *
     * @param grpcTarget         gateway gRPC address, {@code host:port}
     * @param httpBase           operator API base URL, e.g. {@code http://127.0.0.1:8080}
     * @param adminToken         operator JWT with role admin, to provision the devices
     * @param devicePrefix       device ids are {@code <prefix>-<i>}; must be new (devices are provisioned)
     * @param devices            number of loggers
     * @param ratePerDevice      readings per second per logger; 0 or less: as fast as the window allows
     * @param readingsPerDevice  readings per logger; 0: unlimited
     * @param duration           run at most this long; null: unlimited
     * @param intervalSeconds    interval of each reading
     * @param window             max unacknowledged readings per stream
     * @param duplicatePercent   percent of readings sent twice
     * @param outOfOrderPercent  percent of readings sent after their successor
     * @param invalidPercent     percent of additional invalid readings
     * @param backfill           how far back the first reading may lie
     */
    public record Settings(String grpcTarget, String httpBase, String adminToken, String devicePrefix, int devices,
                           double ratePerDevice, long readingsPerDevice, Duration duration, int intervalSeconds,
                           int window, double duplicatePercent, double outOfOrderPercent, double invalidPercent,
                           Duration backfill) {
        public Settings {
            Objects.requireNonNull(grpcTarget, "grpcTarget");
            Objects.requireNonNull(httpBase, "httpBase");
            Objects.requireNonNull(adminToken, "adminToken");
            Objects.requireNonNull(devicePrefix, "devicePrefix");
            Objects.requireNonNull(backfill, "backfill");
            if (devices < 1 || window < 1 || intervalSeconds < 1 || readingsPerDevice < 0) {
                throw new IllegalArgumentException("devices, window and interval must be >= 1, count >= 0");
            }
            for (double p : new double[]{duplicatePercent, outOfOrderPercent, invalidPercent}) {
                if (p < 0 || p > 100) {
                    throw new IllegalArgumentException("percentages must be within [0, 100]");
                }
            }
        }

        /** How many readings each logger is expected to send, for placing the first timestamp. */
        long plannedReadings() {
            long byBackfill = Math.max(1, backfill.getSeconds() / intervalSeconds);
            long planned = byBackfill;
            if (readingsPerDevice > 0) {
                planned = readingsPerDevice;
            } else if (duration != null && ratePerDevice > 0) {
                planned = (long) Math.ceil(duration.toMillis() / 1000.0 * ratePerDevice);
            }
            return Math.min(planned, byBackfill);
        }
    }


    /**
     * Provisions the devices (blocking HTTP calls) and starts one sender thread per logger.
     *
     * @return the running simulation; {@link Simulation#close()} stops it
     */
    public static Simulation start(Settings settings) throws IOException, InterruptedException {
        return start(settings, provision(settings));
    }

    /**
     * Provisions the devices {@code <prefix>-0 .. <prefix>-(n-1)} through the operator API (blocking HTTP calls).
     *
     * @return their device tokens, in device order
     */
    public static List<String> provision(Settings settings) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < settings.devices(); i++) {
            String deviceId = settings.devicePrefix() + "-" + i;
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                            URI.create(settings.httpBase() + "/api/v1/devices"))
                    .timeout(Duration.ofSeconds(10))
                    .header("authorization", "Bearer " + settings.adminToken())
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("deviceId", deviceId)
                            .put("name", "simulated logger").encode()))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 201) {
                throw new IOException("provisioning " + deviceId + " failed: " + response.statusCode() + " "
                        + response.body());
            }
            tokens.add(new JsonObject(response.body()).getString("token"));
        }
        return tokens;
    }

    /**
     * Starts one sender thread per logger with already provisioned device tokens (or any token, against a server
     * that ignores them).
     *
     * @param tokens one device token per logger, in device order
     * @return the running simulation; {@link Simulation#close()} stops it
     */
    public static Simulation start(Settings settings, List<String> tokens) {
        if (tokens.size() != settings.devices()) {
            throw new IllegalArgumentException(settings.devices() + " devices but " + tokens.size() + " tokens");
        }
        Simulation simulation = new Simulation(settings,
                NettyChannelBuilder.forTarget(settings.grpcTarget()).usePlaintext().build());
        for (int i = 0; i < settings.devices(); i++) {
            simulation.startLogger(settings.devicePrefix() + "-" + i, tokens.get(i));
        }
        return simulation;
    }

}
