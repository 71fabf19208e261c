package org.smartenergy.platform.e2e;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.smartenergy.platform.billing.UsageCache;
import org.smartenergy.platform.domain.Energy;
import org.smartenergy.platform.domain.UsageBuckets;
import org.smartenergy.proto.v1.Reading;
import org.smartenergy.proto.v1.ReadingAck;
import redis.embedded.RedisServer;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node with every role through outages of its backing services: a Redis of its own (a {@code redis-server} on a
 * free port, SIGKILLed by its PID and restarted on the same port and data folder) and the MongoDB stand-in stopped.
 * Intake and readiness go on; the cache converges to the store once Redis is back.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BackingServiceOutageIT {

    private static final Duration CONVERGE = Duration.ofSeconds(60);

    @TempDir
    Path redisDir;

    private PlatformHarness platform;
    private RedisServer redisServer;
    private Redis redisClient;

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (redisClient != null) {
                redisClient.close();
            }
            if (platform != null) {
                platform.close();
            }
        } finally {
            if (redisServer != null) {
                redisServer.stop();
            }
        }
    }

    @Test
    void dayTotalsStoredWhileRedisWasDownAreCopiedToRedisOnceItIsBack() throws Exception {
        // GIVEN a node whose Redis is a redis-server of this test, persisting every write (appendfsync always)
        int port = freePort();
        long redisPid = startRedis(port);
        platform = new PlatformHarness(config -> config.getJsonObject("redis")
                .put("connectionString", "redis://127.0.0.1:" + port).put("commandTimeoutMs", 500));
        redisClient = Redis.createClient(platform.vertx, "redis://127.0.0.1:" + port);
        RedisAPI redis = RedisAPI.api(redisClient);
        String device = "outage-" + System.nanoTime();
        String token = platform.provision(device);
        Instant today = Instant.now().truncatedTo(ChronoUnit.DAYS);
        // one reading per hour, 0.25 kWh + seq mWh so every total is distinct
        List<Reading> before = readings(device, today.minus(Duration.ofDays(3)), 0);
        assertAccepted(platform.stream(token, before, 32));
        String dayKey = platform.redisPrefix() + "device:{" + device + "}:day";
        String hourKey = platform.redisPrefix() + "device:{" + device + "}:hour";
        Map<String, String> expectedDays = new TreeMap<>(dayTotals(before));
        PlatformHarness.await("the first day's total is cached", CONVERGE,
                () -> expectedDays.equals(cached(redis, dayKey, expectedDays.keySet())));

        // WHEN Redis is SIGKILLed and readings of two more days are stored meanwhile
        ProcessHandle.of(redisPid).orElseThrow().destroyForcibly();
        ProcessHandle.of(redisPid).ifPresent(p -> p.onExit().join());
        List<Reading> during = new ArrayList<>(readings(device, today.minus(Duration.ofDays(2)), 100));
        during.addAll(readings(device, today.minus(Duration.ofDays(1)), 200));
        double storedBefore = platform.counter("energy.readings.stored");
        assertAccepted(platform.stream(token, during, 32));
        PlatformHarness.await("the outage's readings are stored", CONVERGE,
                () -> platform.counter("energy.readings.stored") >= storedBefore + during.size());
        PlatformHarness.await("failed cache updates are remembered", CONVERGE,
                () -> gauge(UsageCache.REPAIR_PENDING_METRIC) > 0);
        assertThat(platform.counter(UsageCache.ERRORS_METRIC, UsageCache.CACHE_TAG, "usage")).isPositive();
        assertThat(platform.counter(UsageCache.REPAIRS_METRIC)).isZero();

        // THEN the node stays ready, reporting Redis down in its own check
        JsonObject ready = readiness(200);
        assertThat(check(ready, "redis").getString("status")).isEqualTo("DOWN");
        assertThat(check(ready, "redis").getBoolean("required")).isFalse();
        assertThat(ready.getBoolean("degraded")).isTrue();

        // WHEN Redis comes back on the same port with its data
        startRedis(port);

        // THEN the day totals in Redis converge to MongoDB's, hours included, and the repair counted them
        expectedDays.putAll(dayTotals(during));
        Map<String, String> storedDays = storedDayTotals(device);
        assertThat(storedDays).as("MongoDB's day totals").isEqualTo(expectedDays);
        PlatformHarness.await("Redis day totals equal MongoDB's", CONVERGE,
                () -> storedDays.equals(cached(redis, dayKey, storedDays.keySet())));
        Map<String, String> expectedHours = hourTotals(during);
        // the day and hour totals are separate writes of the same repair step
        PlatformHarness.await("Redis hour totals equal the readings'", CONVERGE,
                () -> expectedHours.equals(cached(redis, hourKey, expectedHours.keySet())));
        assertThat(platform.counter(UsageCache.REPAIRS_METRIC)).as("device days repaired").isGreaterThanOrEqualTo(2);
        PlatformHarness.await("nothing waits for a repair", CONVERGE,
                () -> gauge(UsageCache.REPAIR_PENDING_METRIC) == 0);
        assertThat(check(readiness(200), "redis").getString("status")).isEqualTo("UP");
    }

    @Test
    void aNodeTakingInReadingsStaysReadyAndKeepsAcceptingWhileMongoDbIsDown() throws Exception {
        // GIVEN a node with every role whose logger's token is cached (it has sent once)
        platform = new PlatformHarness();
        List<Throwable> unhandled = new CopyOnWriteArrayList<>();
        platform.vertx.exceptionHandler(unhandled::add);
        String device = "mongo-outage-" + System.nanoTime();
        String token = platform.provision(device);
        Instant start = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofDays(1));
        assertAccepted(platform.stream(token, List.of(PlatformHarness.reading(device, start, 0.5, 0)), 1));

        // WHEN MongoDB goes away
        platform.mongoServer.shutdownNow();

        // THEN readiness stays 200 (several probes, each outlasting the check timeout), reporting MongoDB down
        for (int i = 0; i < 3; i++) {
            JsonObject ready = readiness(200);
            assertThat(check(ready, "mongodb").getString("status")).isEqualTo("DOWN");
            assertThat(check(ready, "mongodb").getBoolean("required")).isFalse();
            assertThat(check(ready, "broker").getString("status")).isEqualTo("UP");
            assertThat(check(ready, "broker").getBoolean("required")).isTrue();
        }
        // AND readings are still accepted (the broker holds them until storage is back)
        assertAccepted(platform.stream(token, List.of(PlatformHarness.reading(device, start.plusSeconds(900), 0.5, 1)),
                1));
        // AND no health probe completed its result twice
        Thread.sleep(3_000); // the MongoDB pings outliving their check finish meanwhile
        assertThat(unhandled).as("unhandled exceptions").isEmpty();
        assertThat(platform.node.metrics().get("energy.dependency.up").tag("dependency", "mongodb").gauge().value())
                .isZero();
    }

    // ------------------------------------------------------------------ helpers

    private static List<Reading> readings(String device, Instant dayStart, long firstSeq) {
        List<Reading> readings = new ArrayList<>();
        for (int h = 1; h <= 6; h++) {
            long seq = firstSeq + h;
            readings.add(PlatformHarness.reading(device, dayStart.plus(Duration.ofHours(h)), 0.25 + seq / 1000.0, seq));
        }
        return readings;
    }

    /** Exact kWh per UTC day, as the cache writes it. */
    private static Map<String, String> dayTotals(List<Reading> readings) {
        return readings.stream().collect(Collectors.groupingBy(r -> UsageBuckets.day(endMs(r)), TreeMap::new,
                        Collectors.summingLong(r -> Energy.toMwh(r.getUsageKwh()))))
                .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                        e -> Energy.toKwhExact(e.getValue()).toPlainString(), (a, b) -> a, TreeMap::new));
    }

    /**
     * Exact kWh per UTC hour ({@code yyyy-MM-ddTHH}) a reading is counted in (one reading per hour here).
     */
    private static Map<String, String> hourTotals(List<Reading> readings) {
        Map<String, String> hours = new TreeMap<>();
        for (Reading r : readings) {
            String hour = UsageBuckets.hour(UsageBuckets.hourStart(endMs(r)));
            hours.put(hour, Energy.toKwhExact(Energy.toMwh(r.getUsageKwh())).toPlainString());
        }
        return hours;
    }

    private static long endMs(Reading r) {
        return r.getTimestamp().getSeconds() * 1000;
    }

    private Map<String, String> storedDayTotals(String device) throws Exception {
        MongoClient mongo = MongoClient.create(platform.vertx, new JsonObject()
                .put("connection_string", platform.config.getJsonObject("mongo").getString("connectionString"))
                .put("db_name", "energy"));
        try {
            List<JsonObject> buckets = mongo.find("usage_hours", new JsonObject().put("deviceId", device))
                    .await(10, TimeUnit.SECONDS);
            Map<String, Long> mwh = new TreeMap<>();
            buckets.forEach(b -> mwh.merge(b.getString("day"), b.getLong("total"), Long::sum));
            Map<String, String> kwh = new TreeMap<>();
            mwh.forEach((day, total) -> kwh.put(day, Energy.toKwhExact(total).toPlainString()));
            return kwh;
        } finally {
            mongo.close().await(10, TimeUnit.SECONDS);
        }
    }

    private static Map<String, String> cached(RedisAPI redis, String key, Set<String> fields) {
        try {
            Response all = redis.hgetall(key).await(5, TimeUnit.SECONDS);
            Map<String, String> values = new TreeMap<>();
            if (all != null) {
                for (String field : all.getKeys()) {
                    if (fields.contains(field)) {
                        values.put(field, all.get(field).toString());
                    }
                }
            }
            return values;
        } catch (Exception e) {
            return Map.of(); // Redis not answering yet
        }
    }

    private double gauge(String name) {
        return platform.node.metrics().get(name).gauge().value();
    }

    private JsonObject readiness(int expectedStatus) throws Exception {
        HttpResponse<String> response = platform.http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + platform.node.metricsPort() + "/health/ready"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(expectedStatus);
        return new JsonObject(response.body());
    }

    private static JsonObject check(JsonObject readiness, String id) {
        return readiness.getJsonArray("checks").stream().map(JsonObject.class::cast)
                .filter(c -> id.equals(c.getString("id"))).findFirst()
                .orElseThrow(() -> new AssertionError("no check " + id + " in " + readiness.encode()));
    }

    private static void assertAccepted(List<ReadingAck> acks) {
        assertThat(acks).isNotEmpty()
                .allSatisfy(ack -> assertThat(ack.getOutcome()).isEqualTo(ReadingAck.Outcome.ACCEPTED));
    }

    /** Starts redis-server (stopping the previous one's handle first) and returns the PID of its process. */
    private long startRedis(int port) throws Exception {
        Set<Long> existing = redisProcesses();
        redisServer = RedisServer.newRedisServer()
                .port(port)
                .bind("127.0.0.1")
                .setting("dir " + redisDir.toAbsolutePath())
                .setting("appendonly yes")
                .setting("appendfsync always")
                .onShutdownForceStop(true)
                .build();
        redisServer.start();
        Set<Long> started = redisProcesses();
        started.removeAll(existing);
        assertThat(started).as("the redis-server process this test started").hasSize(1);
        return started.iterator().next();
    }

    private static Set<Long> redisProcesses() {
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().command().map(c -> c.contains("redis-server")).orElse(false))
                .map(ProcessHandle::pid)
                .collect(Collectors.toCollection(java.util.HashSet::new));
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
