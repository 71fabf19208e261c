package org.smartenergy.platform.billing;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.rabbitmq.RabbitMQClient;
import io.vertx.rabbitmq.RabbitMQOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.smartenergy.platform.domain.MeterReading;
import org.smartenergy.platform.domain.UsageBucket;
import org.smartenergy.platform.domain.UsageStep;
import org.smartenergy.platform.queue.QueueTopology;
import org.smartenergy.platform.queue.RabbitSettings;
import org.smartenergy.platform.queue.ReadingBatchCodec;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link BillingVerticle} end to end against the real RabbitMQ and Redis on 127.0.0.1 and an in-memory MongoDB.
 * Every test uses its own exchanges and queues, Redis key prefix and Mongo database, and deletes them afterwards.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class BillingVerticleIT {

    private static final Instant DAY = Instant.parse("2026-11-27T00:00:00Z");
    private static final long WAIT_MS = 30_000;

    private static MongoServer mongoServer;
    private static String mongoUri;

    private QueueTopology topology;
    private String keyPrefix;
    private MongoClient mongo;
    private MongoReadingStore store;
    private Redis redisClient;
    private RedisAPI redis;
    private SimpleMeterRegistry metrics;
    private RabbitMQClient admin;
    private ConnectionKillingProxy proxy;
    private String deploymentId;
    private final Set<String> devices = new java.util.HashSet<>();

    @BeforeAll
    static void startMongo() {
        mongoServer = new MongoServer(new MemoryBackend());
        mongoUri = "mongodb://127.0.0.1:" + mongoServer.bind().getPort() + "/?w=majority&journal=true";
    }

    @AfterAll
    static void stopMongo() {
        mongoServer.shutdownNow();
    }

    @BeforeEach
    void setUp(Vertx vertx, VertxTestContext ctx) {
        String id = UUID.randomUUID().toString();
        topology = QueueTopology.DEFAULTS.withSuffix("." + id);
        keyPrefix = "sep-test:" + id + ":";
        metrics = new SimpleMeterRegistry();
        mongo = MongoClient.create(vertx,
                new MongoSettings(mongoUri, "energy-" + id, 3000, 3000).toClientConfig());
        store = new MongoReadingStore(mongo, BillingOptions.DEFAULT_READINGS_COLLECTION);
        redisClient = Redis.createClient(vertx, RedisSettings.DEFAULTS.toRedisOptions());
        redis = RedisAPI.api(redisClient);
        admin = RabbitMQClient.create(vertx, new RabbitMQOptions().setUri(RabbitSettings.DEFAULT_URI)
                .setConnectionName("billing-it-admin-" + id));
        admin.start()
                .compose(v -> topology.declare(admin))
                .compose(v -> store.init())
                .onComplete(ctx.succeedingThenComplete());
    }

    @AfterEach
    void tearDown(Vertx vertx, VertxTestContext ctx) {
        Future<Void> undeployed = deploymentId == null ? Future.succeededFuture() : vertx.undeploy(deploymentId);
        List<String> keys = new ArrayList<>();
        devices.forEach(d -> keys.addAll(List.of(keyPrefix + "device:{" + d + "}:latest",
                keyPrefix + "device:{" + d + "}:day", keyPrefix + "device:{" + d + "}:hour")));
        undeployed
                .eventually(() -> admin.queueDelete(topology.queue()))
                .eventually(() -> admin.queueDelete(topology.deadLetterQueue()))
                .eventually(() -> admin.exchangeDelete(topology.exchange()))
                .eventually(() -> admin.exchangeDelete(topology.deadLetterExchange()))
                .eventually(() -> admin.stop())
                .eventually(() -> keys.isEmpty() ? Future.succeededFuture() : redis.del(keys))
                .eventually(() -> redisClient.close())
                .eventually(() -> mongo.close())
                .eventually(() -> proxy == null ? Future.succeededFuture() : proxy.stop())
                .onComplete(ctx.succeedingThenComplete());
    }

    // ---------------------------------------------------------------------------------------------------------

    @Test
    void publishedBatchesAreStoredAckedAndCached(Vertx vertx, VertxTestContext ctx) {
        // GIVEN a running billing verticle
        List<MeterReading> batch1 = readings("meter-1", 0, 4, 1_000);
        List<MeterReading> batch2 = readings("meter-1", 4, 4, 2_000);
        List<MeterReading> batch3 = readings("meter-2", 0, 3, 3_000);
        long meter1Sum = sum(batch1) + sum(batch2);
        deploy(vertx, store, cache(redis), RabbitSettings.DEFAULT_URI)
                // WHEN three batches are published to the exchange
                .compose(v -> publish(batch1))
                .compose(v -> publish(batch2))
                .compose(v -> publish(batch3))
                // THEN all readings are stored
                .compose(v -> waitFor(vertx, () -> Future.succeededFuture(count(BillingVerticle.STORED_METRIC) == 11)))
                .compose(v -> store.usage("meter-1", DAY, DAY.plusSeconds(86_400), UsageStep.DAY))
                .compose(days -> {
                    ctx.verify(() -> assertThat(days).containsExactly(new UsageBucket(DAY, meter1Sum, 8)));
                    // AND the cache shows the latest reading and the day's total
                    return waitFor(vertx, () -> hget(cacheKey("meter-1", "day"), "2026-11-27")
                            .map(v -> kwh(meter1Sum).equals(v)));
                })
                .compose(v -> Future.all(hget(cacheKey("meter-1", "latest"), "ts"),
                        hget(cacheKey("meter-1", "latest"), "kwh"),
                        hget(cacheKey("meter-2", "day"), "2026-11-27"),
                        hget(cacheKey("meter-1", "hour"), "2026-11-27T01")))
                .compose(all -> {
                    MeterReading last = batch2.get(batch2.size() - 1);
                    ctx.verify(() -> {
                        assertThat((String) all.resultAt(0)).isEqualTo(Long.toString(last.timestamp().toEpochMilli()));
                        assertThat((String) all.resultAt(1)).isEqualTo(kwh(last.usageMwh()));
                        assertThat((String) all.resultAt(2)).isEqualTo(kwh(sum(batch3)));
                        // readings 4..7 end at 01:15 .. 02:00: 01:00 holds 01:15, 01:30, 01:45 and 02:00
                        assertThat((String) all.resultAt(3)).isEqualTo(kwh(sum(batch2)));
                    });
                    return undeployAndCountReady(vertx);
                })
                .onComplete(ctx.succeeding(ready -> ctx.verify(() -> {
                    // AND every message was acked: nothing returns to the queue when the consumer goes away
                    assertThat(ready).isZero();
                    assertThat(count(BillingVerticle.DUPLICATES_METRIC)).isZero();
                    ctx.completeNow();
                })));
    }

    @Test
    void malformedMessageIsDeadLetteredAndTheNextBatchIsStillStored(Vertx vertx, VertxTestContext ctx) {
        // GIVEN a running billing verticle
        List<MeterReading> valid = readings("meter-3", 0, 2, 500);
        deploy(vertx, store, cache(redis), RabbitSettings.DEFAULT_URI)
                // WHEN a body that is not a batch is published, followed by a valid batch
                .compose(v -> admin.basicPublish(topology.exchange(), topology.routingKey(),
                        Buffer.buffer("{\"v\":1,\"readings\":[{\"d\":\"meter-3\"}]}")))
                .compose(v -> publish(valid))
                // THEN the valid batch is stored
                .compose(v -> waitFor(vertx, () -> Future.succeededFuture(count(BillingVerticle.STORED_METRIC) == 2)))
                // AND the malformed message sits in the dead-letter queue
                .compose(v -> waitFor(vertx, () -> admin.messageCount(topology.deadLetterQueue()).map(n -> n == 1)))
                .compose(v -> undeployAndCountReady(vertx))
                .onComplete(ctx.succeeding(ready -> ctx.verify(() -> {
                    assertThat(ready).isZero();
                    assertThat(count(BillingVerticle.DEAD_LETTERED_METRIC)).isEqualTo(1);
                    ctx.completeNow();
                })));
    }

    @Test
    void redeliveryAfterConsumerDeathBetweenWriteAndAckDoesNotDoubleCount(Vertx vertx, VertxTestContext ctx) {
        // GIVEN a verticle connected through a proxy, whose store cuts the connection right after the first
        // successful write, i.e. before the ack can reach the broker
        List<MeterReading> batch = readings("meter-4", 0, 6, 700);
        long expected = sum(batch);
        proxy = new ConnectionKillingProxy(vertx, "127.0.0.1", 5672);
        AtomicBoolean killed = new AtomicBoolean();
        ReadingStore dyingAfterWrite = new DelegatingStore(store) {
            @Override
            public Future<StoreResult> store(List<MeterReading> readings) {
                return delegate.store(readings).compose(result -> killed.compareAndSet(false, true)
                        ? proxy.killConnections().map(result)
                        : Future.succeededFuture(result));
            }
        };
        proxy.start()
                .compose(port -> deploy(vertx, dyingAfterWrite, cache(redis), "amqp://guest:guest@127.0.0.1:" + port))
                // WHEN a batch is published, stored, and its ack lost with the connection
                .compose(v -> publish(batch))
                // THEN the broker redelivers it after the reconnect and the store recognises every reading
                .compose(v -> waitFor(vertx, () -> Future.succeededFuture(
                        count(BillingVerticle.DUPLICATES_METRIC) == batch.size())))
                .compose(v -> store.usage("meter-4", DAY, DAY.plusSeconds(86_400), UsageStep.DAY))
                .compose(days -> {
                    ctx.verify(() -> {
                        assertThat(killed).isTrue();
                        // AND the totals hold each reading once
                        assertThat(days).containsExactly(new UsageBucket(DAY, expected, batch.size()));
                        assertThat(count(BillingVerticle.STORED_METRIC)).isEqualTo(batch.size());
                    });
                    return waitFor(vertx, () -> hget(cacheKey("meter-4", "day"), "2026-11-27")
                            .map(v -> kwh(expected).equals(v)));
                })
                // AND the redelivered message was acked
                .compose(v -> undeployAndCountReady(vertx))
                .onComplete(ctx.succeeding(ready -> ctx.verify(() -> {
                    assertThat(ready).isZero();
                    ctx.completeNow();
                })));
    }

    @Test
    void prefetchBoundsBatchesInFlightAlsoAfterAReconnect(Vertx vertx, VertxTestContext ctx) {
        // GIVEN a verticle with prefetch 2, connected through a proxy, whose stores hang until released
        proxy = new ConnectionKillingProxy(vertx, "127.0.0.1", 5672);
        GatedStore gated = new GatedStore(store);
        List<List<MeterReading>> batches = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            batches.add(readings("meter-6", i * 2, 2, 100));
        }
        proxy.start()
                .compose(port -> deploy(vertx, gated, cache(redis), "amqp://guest:guest@127.0.0.1:" + port, 2))
                // WHEN six batches are published
                .compose(v -> Future.all(batches.stream().map(this::publish).toList()))
                // THEN only two are handed to the store at a time
                .compose(v -> waitFor(vertx, () -> Future.succeededFuture(gated.held() == 2)))
                .compose(v -> vertx.timer(500))
                .compose(v -> {
                    ctx.verify(() -> assertThat(gated.held()).isEqualTo(2));
                    // AND WHEN the connection is lost and re-established
                    return proxy.killConnections();
                })
                // THEN the broker redelivers, again at most two at a time: the prefetch was re-applied
                .compose(v -> waitFor(vertx, () -> Future.succeededFuture(gated.held() == 4)))
                .compose(v -> vertx.timer(500))
                .compose(v -> {
                    ctx.verify(() -> assertThat(gated.held()).isEqualTo(4));
                    // AND once the store responds again, everything is stored exactly once and acked
                    gated.release();
                    return waitFor(vertx, () -> Future.succeededFuture(count(BillingVerticle.STORED_METRIC) == 12));
                })
                .compose(v -> store.usage("meter-6", DAY, DAY.plusSeconds(86_400), UsageStep.DAY))
                .compose(days -> {
                    ctx.verify(() -> assertThat(days).containsExactly(new UsageBucket(DAY,
                            batches.stream().mapToLong(BillingVerticleIT::sum).sum(), 12)));
                    return undeployAndCountReady(vertx);
                })
                .onComplete(ctx.succeeding(ready -> ctx.verify(() -> {
                    assertThat(ready).isZero();
                    ctx.completeNow();
                })));
    }

    @Test
    void deliveriesArrivingWithinTheStoreBatchDelayAreStoredInOneCallAndEachAcked(Vertx vertx, VertxTestContext ctx) {
        // GIVEN a verticle that groups deliveries for up to 2 s or 1,000 readings, with a store counting its calls
        List<List<MeterReading>> calls = java.util.Collections.synchronizedList(new ArrayList<>());
        ReadingStore counting = new DelegatingStore(store) {
            @Override
            public Future<StoreResult> store(List<MeterReading> readings) {
                calls.add(List.copyOf(readings));
                return delegate.store(readings);
            }
        };
        List<List<MeterReading>> batches = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            batches.add(readings("meter-g", i * 3, 3, 100));
        }
        BillingOptions grouping = BillingOptions.DEFAULTS.withStoreRetryBackoff(50, 500).withStoreBatch(1_000, 2_000);
        deploy(vertx, counting, cache(redis), RabbitSettings.DEFAULT_URI, grouping)
                // WHEN four batches are published one after the other
                .compose(v -> publish(batches.get(0)))
                .compose(v -> publish(batches.get(1)))
                .compose(v -> publish(batches.get(2)))
                .compose(v -> publish(batches.get(3)))
                .compose(v -> waitFor(vertx, () -> Future.succeededFuture(count(BillingVerticle.STORED_METRIC) == 12)))
                .compose(v -> {
                    // THEN they were stored in one call holding all their readings, in order
                    ctx.verify(() -> assertThat(calls).containsExactly(
                            batches.stream().flatMap(List::stream).toList()));
                    return undeployAndCountReady(vertx);
                })
                .onComplete(ctx.succeeding(ready -> ctx.verify(() -> {
                    // AND each delivery was acked
                    assertThat(ready).isZero();
                    ctx.completeNow();
                })));
    }

    /** A store passing every call to another; subclasses change what they need. */
    private abstract static class DelegatingStore implements ReadingStore {
        final ReadingStore delegate;

        DelegatingStore(ReadingStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public Future<List<UsageBucket>> usage(String deviceId, Instant from, Instant to, UsageStep step) {
            return delegate.usage(deviceId, from, to, step);
        }

        @Override
        public Future<Void> init() {
            return delegate.init();
        }
    }

    /** Holds every store call until {@link #release()}, then passes through. */
    private static final class GatedStore extends DelegatingStore {
        private final Promise<Void> gate = Promise.promise();
        private final java.util.concurrent.atomic.AtomicInteger held = new java.util.concurrent.atomic.AtomicInteger();

        GatedStore(ReadingStore delegate) {
            super(delegate);
        }

        int held() {
            return held.get();
        }

        void release() {
            gate.tryComplete();
        }

        @Override
        public Future<StoreResult> store(List<MeterReading> readings) {
            if (!gate.future().isComplete()) {
                held.incrementAndGet();
            }
            return gate.future().compose(v -> delegate.store(readings));
        }
    }

    @Test
    void readingsAreStoredAndAckedWhenRedisIsDown(Vertx vertx, VertxTestContext ctx) throws IOException {
        // GIVEN a verticle whose cache points at a port nobody listens on
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Redis deadRedis = Redis.createClient(vertx,
                RedisSettings.DEFAULTS.withConnectionString("redis://127.0.0.1:" + closedPort).toRedisOptions());
        List<MeterReading> batch = readings("meter-5", 0, 3, 800);
        deploy(vertx, store, cache(RedisAPI.api(deadRedis)), RabbitSettings.DEFAULT_URI)
                // WHEN a batch is published
                .compose(v -> publish(batch))
                // THEN it is stored
                .compose(v -> waitFor(vertx, () -> Future.succeededFuture(count(BillingVerticle.STORED_METRIC) == 3)))
                // AND the cache failure is counted
                .compose(v -> waitFor(vertx, () -> Future.succeededFuture(usageCacheErrors() > 0)))
                // AND the message was acked all the same
                .compose(v -> undeployAndCountReady(vertx))
                .eventually(deadRedis::close)
                .onComplete(ctx.succeeding(ready -> ctx.verify(() -> {
                    assertThat(ready).isZero();
                    ctx.completeNow();
                })));
    }

    // ---------------------------------------------------------------------------------------------------------

    private UsageCache cache(RedisAPI api) {
        return new UsageCache(api, store, keyPrefix, 1000, metrics);
    }

    private Future<Void> deploy(Vertx vertx, ReadingStore readingStore, UsageCache cache, String uri) {
        return deploy(vertx, readingStore, cache, uri, BillingOptions.DEFAULT_PREFETCH);
    }

    private Future<Void> deploy(Vertx vertx, ReadingStore readingStore, UsageCache cache, String uri, int prefetch) {
        return deploy(vertx, readingStore, cache, uri,
                BillingOptions.DEFAULTS.withStoreRetryBackoff(50, 500).withPrefetch(prefetch));
    }

    private Future<Void> deploy(Vertx vertx, ReadingStore readingStore, UsageCache cache, String uri,
                                BillingOptions options) {
        RabbitSettings rabbit = new RabbitSettings(uri, 200, 5000, topology);
        return vertx.deployVerticle(new BillingVerticle(options, rabbit, readingStore, cache, metrics))
                .onSuccess(id -> deploymentId = id)
                .mapEmpty();
    }

    /** Stops the consumer (its unacked deliveries return to the queue) and counts the ready messages. */
    private Future<Long> undeployAndCountReady(Vertx vertx) {
        String id = deploymentId;
        deploymentId = null;
        return vertx.undeploy(id).compose(v -> admin.messageCount(topology.queue()));
    }

    private Future<Void> publish(List<MeterReading> batch) {
        batch.forEach(r -> devices.add(r.deviceId()));
        return admin.basicPublish(topology.exchange(), topology.routingKey(), ReadingBatchCodec.encode(batch));
    }

    /** Readings of one device ending every 15 minutes from 00:15 on {@link #DAY}. */
    private static List<MeterReading> readings(String device, int first, int n, long baseMwh) {
        List<MeterReading> list = new ArrayList<>();
        for (int i = first; i < first + n; i++) {
            list.add(new MeterReading(device, DAY.plusSeconds(900L * (i + 1)), baseMwh + i * 17L, i, 900));
        }
        return list;
    }

    private static long sum(List<MeterReading> readings) {
        return readings.stream().mapToLong(MeterReading::usageMwh).sum();
    }

    private static String kwh(long mwh) {
        return org.smartenergy.platform.domain.Energy.toKwhExact(mwh).toPlainString();
    }

    private String cacheKey(String device, String kind) {
        return keyPrefix + "device:{" + device + "}:" + kind;
    }

    private Future<String> hget(String key, String field) {
        return redis.hget(key, field).map(r -> r == null ? null : r.toString());
    }

    /** @return energy.cache.errors of the usage cache only (the bill cache counts in the same name, tag cache=bill) */
    private double usageCacheErrors() {
        Counter c = metrics.find(UsageCache.ERRORS_METRIC).tag(UsageCache.CACHE_TAG, "usage").counter();
        return c == null ? 0 : c.count();
    }

    private double count(String counter) {
        Counter c = metrics.find(counter).counter();
        return c == null ? 0 : c.count();
    }

    private static Future<Void> waitFor(Vertx vertx, Supplier<Future<Boolean>> condition) {
        return waitFor(vertx, condition, System.currentTimeMillis() + WAIT_MS);
    }

    private static Future<Void> waitFor(Vertx vertx, Supplier<Future<Boolean>> condition, long deadline) {
        return condition.get().recover(e -> Future.succeededFuture(false)).compose(met -> {
            if (met) {
                return Future.succeededFuture();
            }
            if (System.currentTimeMillis() > deadline) {
                return Future.failedFuture(new AssertionError("condition not met within " + WAIT_MS + " ms"));
            }
            return vertx.timer(50).compose(v -> waitFor(vertx, condition, deadline));
        });
    }

    @SuppressWarnings("unused")
    private static String text(Response r) {
        return r == null ? null : r.toString();
    }
}
