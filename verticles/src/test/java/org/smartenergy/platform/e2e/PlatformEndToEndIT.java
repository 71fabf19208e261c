package org.smartenergy.platform.e2e;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.smartenergy.platform.domain.Energy;
import org.smartenergy.proto.v1.Reading;
import org.smartenergy.proto.v1.ReadingAck;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The promises of the ingest path, end to end through one node with every role: gRPC logger -> gateway ->
 * ingestion -> real RabbitMQ -> billing -> MongoDB (mongo-java-server) and real Redis.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PlatformEndToEndIT {

    private static PlatformHarness platform;
    private static MongoClient mongo;
    private static Redis redis;

    @BeforeAll
    static void startPlatform() throws Exception {
        platform = new PlatformHarness();
        mongo = MongoClient.create(platform.vertx, new JsonObject()
                .put("connection_string", platform.config.getJsonObject("mongo").getString("connectionString"))
                .put("db_name", platform.config.getJsonObject("mongo").getString("database")));
        redis = Redis.createClient(platform.vertx, platform.config.getJsonObject("redis").getString("connectionString"));
    }

    @AfterAll
    static void stopPlatform() throws Exception {
        if (redis != null) {
            redis.close();
        }
        if (mongo != null) {
            mongo.close().await(10, TimeUnit.SECONDS);
        }
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void tenThousandStreamedReadingsAreAckedStoredExactlyOnceAndTotalled() throws Exception {
        // GIVEN 20 provisioned devices, each with 500 distinct 15-minute readings
        String run = UUID.randomUUID().toString().substring(0, 8);
        Instant base = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofDays(6));
        Map<String, List<Reading>> sent = new HashMap<>();
        Map<String, Long> expectedMwh = new HashMap<>();
        Map<String, String> tokens = new HashMap<>();
        for (int d = 0; d < 20; d++) {
            String device = "e2e-" + run + "-" + d;
            tokens.put(device, platform.provision(device));
            List<Reading> readings = new ArrayList<>();
            long sum = 0;
            for (int i = 0; i < 500; i++) {
                double kwh = ((d * 500 + i) % 97) * 0.0125 + 0.001;
                readings.add(PlatformHarness.reading(device, base.plus(Duration.ofMinutes(15L * (i + 1))), kwh, i));
                sum += Energy.toMwh(kwh);
            }
            sent.put(device, readings);
            expectedMwh.put(device, sum);
        }

        // WHEN each device streams its readings on its own call, all streams at once
        Map<String, List<ReadingAck>> acks = new java.util.concurrent.ConcurrentHashMap<>();
        List<Thread> loggers = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (String device : sent.keySet()) {
            Thread t = new Thread(() -> {
                try {
                    acks.put(device, platform.stream(tokens.get(device), sent.get(device), 200));
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            loggers.add(t);
            t.start();
        }
        for (Thread t : loggers) {
            t.join(TimeUnit.MINUTES.toMillis(3));
        }

        // THEN every reading got exactly one ACCEPTED ack, naming its device and seq
        assertThat(failures).isEmpty();
        for (String device : sent.keySet()) {
            List<ReadingAck> deviceAcks = acks.get(device);
            assertThat(deviceAcks).hasSize(500);
            assertThat(deviceAcks).allSatisfy(ack -> {
                assertThat(ack.getDeviceId()).isEqualTo(device);
                assertThat(ack.getOutcome()).isEqualTo(ReadingAck.Outcome.ACCEPTED);
            });
            assertThat(deviceAcks.stream().map(ReadingAck::getSeq).distinct().count()).isEqualTo(500);
        }

        // AND MongoDB holds exactly those readings once the queue has drained
        PlatformHarness.await("10,000 readings stored", Duration.ofSeconds(60),
                () -> storedReadingCount("e2e-" + run + "-") == 10_000
                        && documents("e2e-" + run + "-").stream().mapToLong(d -> d.getLong("count", 0L)).sum() == 10_000);
        Map<String, Set<Long>> storedKeys = storedReadingKeys("e2e-" + run + "-");
        for (String device : sent.keySet()) {
            Set<Long> expectedKeys = new HashSet<>();
            sent.get(device).forEach(r -> expectedKeys.add(r.getTimestamp().getSeconds() * 1000));
            assertThat(storedKeys.get(device)).isEqualTo(expectedKeys);
        }

        // AND the usage totals equal the sum sent, through the operator API
        for (String device : sent.keySet()) {
            HttpResponse<String> response = platform.httpSend("GET", "/api/v1/devices/" + device + "/usage?from="
                    + base.minus(Duration.ofDays(1)) + "&to=" + base.plus(Duration.ofDays(8)) + "&step=day",
                    platform.viewerToken, null);
            assertThat(response.statusCode()).isEqualTo(200);
            JsonObject usage = new JsonObject(response.body());
            assertThat(new BigDecimal(usage.getValue("totalKwh").toString()))
                    .isEqualByComparingTo(Energy.toKwhExact(expectedMwh.get(device)));
            JsonArray buckets = usage.getJsonArray("buckets");
            long readingsInBuckets = 0;
            for (int i = 0; i < buckets.size(); i++) {
                readingsInBuckets += buckets.getJsonObject(i).getLong("readings");
            }
            assertThat(readingsInBuckets).isEqualTo(500);
        }

        // AND Redis holds each device's latest reading
        RedisAPI api = RedisAPI.api(redis);
        for (String device : sent.keySet()) {
            long latest = sent.get(device).get(499).getTimestamp().getSeconds() * 1000;
            PlatformHarness.await("latest reading of " + device + " cached", Duration.ofSeconds(10), () -> {
                Response hash = api.hgetall(platform.redisPrefix() + "device:{" + device + "}:latest")
                        .await();
                return hash != null && hash.containsKey("ts") && Long.parseLong(hash.get("ts").toString()) == latest;
            });
        }
    }

    @Test
    void theSameThousandReadingsSentTwiceAreStoredAndCountedOnce() throws Exception {
        // GIVEN 1,000 readings of one device, sent and stored
        String device = "dup-" + UUID.randomUUID().toString().substring(0, 8);
        String token = platform.provision(device);
        Instant base = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofDays(12));
        List<Reading> readings = new ArrayList<>();
        long sum = 0;
        for (int i = 0; i < 1000; i++) {
            double kwh = 0.1 + (i % 7) * 0.01;
            readings.add(PlatformHarness.reading(device, base.plus(Duration.ofMinutes(15L * (i + 1))), kwh, i));
            sum += Energy.toMwh(kwh);
        }
        assertThat(platform.stream(token, readings, 256))
                .allSatisfy(ack -> assertThat(ack.getOutcome()).isEqualTo(ReadingAck.Outcome.ACCEPTED));
        PlatformHarness.await("first copy stored", Duration.ofSeconds(30), () -> storedReadingCount(device) == 1000);
        double duplicatesBefore = platform.counter("energy.readings.duplicates");

        // WHEN the same 1,000 readings are sent again
        assertThat(platform.stream(token, readings, 256)).hasSize(1000);

        // THEN billing sees them as duplicates, and storage and totals are unchanged
        PlatformHarness.await("second copy processed as duplicates", Duration.ofSeconds(30),
                () -> platform.counter("energy.readings.duplicates") - duplicatesBefore >= 1000);
        assertThat(storedReadingCount(device)).isEqualTo(1000);
        assertThat(storedTotalMwh(device)).isEqualTo(sum);
    }

    @Test
    void invalidReadingsAreRefusedWithTheirReasonAndNothingIsPublished() throws Exception {
        // GIVEN a device and the count of readings published so far
        String device = "bad-" + UUID.randomUUID().toString().substring(0, 8);
        String token = platform.provision(device);
        double publishedBefore = platform.counter("energy.readings.published");
        Instant now = Instant.now();

        // WHEN a reading of each invalid class is sent, unary and on a stream
        List<Reading> invalid = List.of(
                PlatformHarness.reading(device, now, -1.0, 1),
                PlatformHarness.reading(device, now, Double.NaN, 2),
                PlatformHarness.reading(device, now, Double.POSITIVE_INFINITY, 3),
                PlatformHarness.reading(device, now, 5_000.0, 4),
                PlatformHarness.reading(device, now.plus(Duration.ofHours(2)), 1.0, 5),
                PlatformHarness.reading(device, now.minus(Duration.ofDays(400)), 1.0, 6),
                PlatformHarness.reading(device, now, 1.0, 7).toBuilder().clearTimestamp().build(),
                PlatformHarness.reading(device, now, 1.0, 8).toBuilder().setIntervalSeconds(100_000).build(),
                // not a valid protobuf Timestamp (nanos used to be carried over into the next second and accepted)
                PlatformHarness.reading(device, now, 1.0, 9).toBuilder().setTimestamp(com.google.protobuf.Timestamp
                        .newBuilder().setSeconds(now.getEpochSecond()).setNanos(1_000_000_000)).build(),
                PlatformHarness.reading(device, now, 1.0, 10).toBuilder().setTimestamp(com.google.protobuf.Timestamp
                        .newBuilder().setSeconds(253_402_300_800L)).build(),
                // an empty device_id is an invalid reading, not another device's (stream goes on)
                PlatformHarness.reading("", now, 1.0, 11));

        // THEN unary calls fail with INVALID_ARGUMENT and a reason, stream readings get REJECTED acks with a reason
        for (Reading r : invalid) {
            assertThatThrownBy(() -> platform.blocking(token).sendReading(r))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).isNotBlank();
                    });
        }
        List<ReadingAck> acks = platform.stream(token, invalid, 16);
        assertThat(acks).hasSize(invalid.size()).allSatisfy(ack -> {
            assertThat(ack.getOutcome()).isEqualTo(ReadingAck.Outcome.REJECTED);
            assertThat(ack.getReason()).isNotBlank();
        });
        // AND nothing was published or stored
        assertThat(platform.counter("energy.readings.published")).isEqualTo(publishedBefore);
        assertThat(storedReadingCount(device)).isZero();
    }

    @Test
    void callsWithoutValidCredentialsAreRefused() throws Exception {
        String device = "auth-" + UUID.randomUUID().toString().substring(0, 8);
        String token = platform.provision(device);
        String otherToken = platform.provision(device + "-other");
        Reading reading = PlatformHarness.reading(device, Instant.now(), 0.5, 1);

        assertThatThrownBy(() -> platform.blocking(null).sendReading(reading))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        assertThatThrownBy(() -> platform.blocking("not-a-token").sendReading(reading))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        assertThatThrownBy(() -> platform.blocking(otherToken).sendReading(reading))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThat(platform.blocking(token).sendReading(reading).getOutcome()).isEqualTo(ReadingAck.Outcome.ACCEPTED);

        assertThat(platform.httpSend("GET", "/api/v1/devices/" + device, null, null).statusCode()).isEqualTo(401);
        assertThat(platform.httpSend("POST", "/api/v1/devices", platform.viewerToken,
                new JsonObject().put("deviceId", device + "-x").encode()).statusCode()).isEqualTo(403);
        assertThat(platform.httpSend("GET", "/api/v1/devices/" + device, platform.viewerToken, null).statusCode())
                .isEqualTo(200);
    }

    private long storedReadingCount(String deviceIdPrefix) {
        return storedReadingKeys(deviceIdPrefix, false).values().stream().mapToLong(Set::size).sum();
    }

    private long storedTotalMwh(String deviceId) {
        return documents(deviceId).stream().mapToLong(doc -> doc.getLong("total")).sum();
    }

    /** Reads the stored readings straight from MongoDB's bucket documents: device -> interval ends (epoch ms). */
    private Map<String, Set<Long>> storedReadingKeys(String deviceIdPrefix) {
        return storedReadingKeys(deviceIdPrefix, true);
    }

    /**
     * @param checkCounters whether each bucket's count must equal its readings: true once storing is over (a bucket's
     *                      totals are written just after its readings, see README "Storage design")
     */
    private Map<String, Set<Long>> storedReadingKeys(String deviceIdPrefix, boolean checkCounters) {
        Map<String, Set<Long>> keys = new HashMap<>();
        for (JsonObject doc : documents(deviceIdPrefix)) {
            JsonObject readings = doc.getJsonObject("readings", new JsonObject());
            Set<Long> set = keys.computeIfAbsent(doc.getString("deviceId"), k -> new HashSet<>());
            readings.fieldNames().forEach(k -> set.add(Long.parseLong(k)));
            if (checkCounters) {
                // the bucket's counters must agree with its readings
                assertThat(doc.getLong("count")).isEqualTo(readings.size());
            }
        }
        return keys;
    }

    private List<JsonObject> documents(String deviceIdPrefix) {
        String collection = platform.config.getJsonObject("billing").getString("readingsCollection");
        return org.smartenergy.platform.storage.StoredHours.find(mongo, collection, new JsonObject().put("deviceId",
                new JsonObject().put("$regex", "^" + java.util.regex.Pattern.quote(deviceIdPrefix)))).await();
    }
}
