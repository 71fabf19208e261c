package org.smartenergy.platform.e2e;

import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.smartenergy.platform.gateway.OperatorTokens;
import org.smartenergy.proto.v1.Reading;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code standalone} as its own process ({@code java -jar energy-platform.jar standalone}), killed with SIGKILL
 * while a logger streams at full speed, then started again on the same data folder. Every reading the device was
 * told was {@code ACCEPTED} must be stored afterwards, once: so the embedded broker kept every message it confirmed
 * and the embedded MongoDB-compatible store kept every write it acknowledged, with no help from an orderly shutdown.
 *
 * <p>At the kill the stored readings trail the accepted ones by up to a few thousand (the store is slower than the
 * gateway): those are confirmed messages in the broker's Derby store, and the last batches billing wrote just
 * before the kill are writes the store acknowledged. The child's output goes to
 * {@code target/process-it/StandaloneCrashProcessIT-<run>.log}.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class StandaloneCrashProcessIT {

    private static final String JWT_SECRET = "standalone-crash-test-secret-0123456789";
    private static final String DEVICE = "crash-meter-1";
    private static final int INTERVAL_SECONDS = 300;
    /** Upper bound of readings sent; the process is killed long before. */
    private static final int READINGS = 20_000;
    private static final int KILL_AFTER_ACCEPTED = 3_000;
    private static final Pattern GRPC = Pattern.compile("gRPC for loggers:\\s+127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern HTTP = Pattern.compile("operator API:\\s+(http://\\S+)/api/v1");
    private static final Pattern MONGO = Pattern.compile("MongoDB:\\s+embedded \\(mongo-java-server\\), (mongodb://\\S+)");

    @TempDir
    Path dataDir;

    private final Vertx vertx = Vertx.vertx();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (Process process : processes) {
            killWithChildren(process);
        }
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    @Test
    void everyAcceptedReadingIsStoredOnceAfterTheProcessIsKilledMidStream() throws Exception {
        // GIVEN standalone mode as a process with a provisioned device
        Standalone first = start("first");
        String token = provision(first);
        Map<Long, Long> timestampBySeq = new HashMap<>();
        Map<Long, Long> energyByTimestamp = new HashMap<>();
        List<Reading> readings = readings(timestampBySeq, energyByTimestamp);

        // WHEN the logger streams as fast as acks come back and the process is SIGKILLed after a few thousand
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", first.grpcPort()).usePlaintext().build();
        AtomicBoolean killed = new AtomicBoolean();
        NodeProcesses.StreamResult result;
        try {
            result = NodeProcesses.stream(channel, token, readings, 256, accepted -> {
                if (accepted >= KILL_AFTER_ACCEPTED && killed.compareAndSet(false, true)) {
                    first.kill();
                }
            });
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertThat(killed).as("killed mid-stream").isTrue();
        assertThat(result.status().isOk()).as("the stream ended by the kill: %s", result.status()).isFalse();
        assertThat(first.process().exitValue()).as("exit value of a SIGKILLed JVM").isEqualTo(128 + 9);
        Set<Long> accepted = new HashSet<>();
        result.accepted().forEach(seq -> accepted.add(timestampBySeq.get(seq)));
        assertThat(accepted).hasSizeGreaterThanOrEqualTo(KILL_AFTER_ACCEPTED);

        // AND it is started again on the same data folder
        Standalone second = start("second");
        MongoClient mongo = MongoClient.create(vertx, new JsonObject()
                .put("connection_string", second.mongoUri()).put("db_name", "energy"));
        Map<Long, Long> stored = awaitStored(mongo, accepted);

        // THEN every accepted reading is stored with its energy, and nothing is counted twice
        Set<Long> missing = new HashSet<>(accepted);
        missing.removeAll(stored.keySet());
        assertThat(missing.size()).as("accepted readings missing after the crash (%d accepted, %d stored), e.g. %s",
                accepted.size(), stored.size(), missing.stream().sorted().limit(5).map(Instant::ofEpochMilli).toList())
                .isZero();
        stored.forEach((ts, energy) -> assertThat(energy).as("energy of reading %d", ts)
                .isEqualTo(energyByTimestamp.get(ts)));
        for (JsonObject bucket : buckets(mongo)) {
            JsonObject inBucket = bucket.getJsonObject("readings", new JsonObject());
            long sum = inBucket.stream().mapToLong(e -> ((JsonObject) e.getValue()).getLong("e")).sum();
            assertThat(bucket.getLong("count", 0L)).as("count of %s", bucket.getString("_id")).isEqualTo(inBucket.size());
            assertThat(bucket.getLong("total", 0L)).as("total of %s", bucket.getString("_id")).isEqualTo(sum);
        }
        assertThat(usageApiReadings(second)).as("readings the usage API counts").isEqualTo(stored.size());
    }

    /** The readings, 5 minutes apart ending about a day ago, each with its own energy so a mix-up shows. */
    private static List<Reading> readings(Map<Long, Long> timestampBySeq, Map<Long, Long> energyByTimestamp) {
        Instant last = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(1, ChronoUnit.DAYS);
        Instant firstEnd = last.minusSeconds((long) INTERVAL_SECONDS * (READINGS - 1));
        List<Reading> readings = new ArrayList<>(READINGS);
        for (int i = 0; i < READINGS; i++) {
            Instant end = firstEnd.plusSeconds((long) INTERVAL_SECONDS * i);
            long mwh = 1_000 + i % 997;
            long seq = i + 1;
            timestampBySeq.put(seq, end.toEpochMilli());
            energyByTimestamp.put(end.toEpochMilli(), mwh);
            readings.add(Reading.newBuilder()
                    .setDeviceId(DEVICE)
                    .setTimestamp(Timestamp.newBuilder().setSeconds(end.getEpochSecond()))
                    .setUsageKwh(mwh / 1_000_000.0)
                    .setSeq(seq)
                    .setIntervalSeconds(INTERVAL_SECONDS)
                    .build());
        }
        return readings;
    }

    /**
     * Waits until every accepted reading is stored and every hour's count has caught up with its readings (then 2 s
     * more, so a late double count would show), or, while readings are missing, until the
     * stored readings have not changed for 15 s (the queue the first run left has drained, or nothing moves), and
     * returns them: interval end in epoch ms -> energy in mWh. Patient, because a busy machine can stall the
     * restarted process for seconds.
     */
    private Map<Long, Long> awaitStored(MongoClient mongo, Set<Long> accepted) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        Map<Long, Long> stored = Map.of();
        long changedAt = System.nanoTime();
        while (System.nanoTime() < deadline) {
            Map<Long, Long> now = new HashMap<>();
            // whether every hour's totals already match its readings: readings stored before the kill are there at
            // once, while the totals of their batch are written only when the broker redelivers it
            boolean totalsCaughtUp = true;
            try {
                for (JsonObject bucket : buckets(mongo)) {
                    // a bucket is created (upsert) before its first reading is set in it
                    JsonObject inBucket = bucket.getJsonObject("readings", new JsonObject());
                    inBucket.forEach(e ->
                            now.put(Long.parseLong(e.getKey()), ((JsonObject) e.getValue()).getLong("e")));
                    totalsCaughtUp &= bucket.getLong("count", 0L) == inBucket.size();
                }
            } catch (TimeoutException busy) {
                continue;
            }
            if (!now.equals(stored)) {
                changedAt = System.nanoTime();
            }
            stored = now;
            long quietSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - changedAt);
            boolean complete = stored.keySet().containsAll(accepted) && totalsCaughtUp;
            if (complete ? quietSeconds >= 2 : quietSeconds >= 15 && !stored.keySet().containsAll(accepted)) {
                return stored;
            }
            Thread.sleep(250);
        }
        return stored;
    }

    private static List<JsonObject> buckets(MongoClient mongo) throws TimeoutException {
        return org.smartenergy.platform.storage.StoredHours.find(mongo, "usage_hours",
                new JsonObject().put("deviceId", DEVICE)).await(30, TimeUnit.SECONDS);
    }

    private String adminToken() {
        return OperatorTokens.mint(vertx, JWT_SECRET, "smart-energy-platform", "crash-it",
                List.of(OperatorTokens.ADMIN), Duration.ofHours(1));
    }

    private String provision(Standalone node) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(node.httpUrl() + "/api/v1/devices"))
                .timeout(Duration.ofSeconds(30))
                .header("authorization", "Bearer " + adminToken())
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("deviceId", DEVICE).encode()))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return new JsonObject(response.body()).getString("token");
    }

    private long usageApiReadings(Standalone node) throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.DAYS);
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(node.httpUrl()
                        + "/api/v1/devices/" + DEVICE + "/usage?from=" + now.minus(200, ChronoUnit.DAYS)
                        + "&to=" + now.plus(1, ChronoUnit.DAYS) + "&step=day"))
                .timeout(Duration.ofSeconds(30))
                .header("authorization", "Bearer " + adminToken())
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return new JsonObject(response.body()).getLong("readings");
    }

    /** Starts {@code standalone} on {@link #dataDir}, every port picked free, and waits for its banner. */
    private Standalone start(String run) throws Exception {
        Path jar = Path.of(System.getProperty(NodeProcesses.JAR_PROPERTY)).toAbsolutePath();
        Path logDir = Path.of(System.getProperty(NodeProcesses.LOG_DIR_PROPERTY, "target/process-it"));
        Files.createDirectories(logDir);
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-jar", jar.toString(), "standalone", "--no-simulator", "--data-dir", dataDir.toString());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("SEP_"));
        env.putAll(Map.of(
                "SEP_GATEWAY_HOST", "127.0.0.1",
                "SEP_GATEWAY_GRPC_PORT", "0",
                "SEP_GATEWAY_HTTP_PORT", "0",
                "SEP_GATEWAY_JWT_SECRET", JWT_SECRET,
                "SEP_NODE_METRICS_PORT", "0",
                "SEP_NODE_METRICS_HOST", "127.0.0.1",
                "SEP_STANDALONE_AMQP_PORT", "0",
                "SEP_STANDALONE_REDIS_PORT", "0",
                "SEP_STANDALONE_MONGO_PORT", "0"));
        Path log = logDir.resolve(getClass().getSimpleName() + "-" + run + ".log");
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        Process process = builder.start();
        processes.add(process);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("standalone exited with " + process.exitValue() + ", see " + log);
            }
            String output = Files.readString(log);
            Matcher grpc = GRPC.matcher(output);
            Matcher httpUrl = HTTP.matcher(output);
            Matcher mongo = MONGO.matcher(output);
            if (grpc.find() && httpUrl.find() && mongo.find()) {
                return new Standalone(process, Integer.parseInt(grpc.group(1)), httpUrl.group(1), mongo.group(1));
            }
            Thread.sleep(100);
        }
        throw new AssertionError("standalone not ready in 90 s, see " + log);
    }

    /** One standalone process and the addresses its banner printed. */
    private record Standalone(Process process, int grpcPort, String httpUrl, String mongoUri) {

        /** SIGKILL ({@link Process#destroyForcibly()} on Linux): no shutdown hook, no close of any store. */
        void kill() {
            killWithChildren(process);
        }
    }

    /**
     * SIGKILLs the process, then its child processes (the embedded redis-server), which a killed JVM cannot stop
     * and which would otherwise outlive the test.
     */
    private static void killWithChildren(Process process) {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }
}
