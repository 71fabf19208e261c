package org.smartenergy.platform.node;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.redis.client.Redis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which checks decide readiness, per role, with the real RabbitMQ on 127.0.0.1:5672 up and MongoDB and Redis
 * unreachable (nothing listens on port 1).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class NodeHealthTest {

    private static final String BROKER = "amqp://guest:guest@127.0.0.1:5672";

    private MongoClient mongo;
    private Redis redis;
    private NodeHealth health;
    private final MongoServer mongoServer = new MongoServer(new MemoryBackend());
    private MongoClient reachable;
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

    @BeforeEach
    void setUp(Vertx vertx) {
        mongo = MongoClient.create(vertx, new JsonObject()
                .put("connection_string", "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500&connectTimeoutMS=500")
                .put("db_name", "health-test"));
        redis = Redis.createClient(vertx, "redis://127.0.0.1:1");
    }

    @AfterEach
    void tearDown(VertxTestContext ctx) {
        if (health != null) {
            health.close();
        }
        redis.close();
        (reachable == null ? mongo.close() : reachable.close().compose(v -> mongo.close()))
                .onComplete(ar -> {
                    mongoServer.shutdownNow();
                    ctx.completeNow();
                });
    }

    @Test
    void aNodeTakingInReadingsIsReadyWhileStorageAndCacheAreDown(Vertx vertx, VertxTestContext ctx) {
        // GIVEN a node with every role, its broker up, MongoDB and Redis down
        health = new NodeHealth(vertx, Set.of(Role.GATEWAY, Role.INGESTION, Role.BILLING, Role.ANALYTICS), BROKER,
                mongo, redis, metrics);
        // WHEN readiness is asked
        health.isReady().onComplete(ctx.succeeding(ready -> ctx.verify(() -> {
            // THEN it is ready: intake needs only the broker
            assertThat(ready).isTrue();
            // AND the gauges say which dependency is down
            assertThat(gauge("broker")).isEqualTo(1.0);
            assertThat(gauge("mongodb")).isEqualTo(0.0);
            assertThat(gauge("redis")).isEqualTo(0.0);
            assertThat(metrics.get(NodeHealth.READY_METRIC).gauge().value()).isEqualTo(1.0);
            ctx.completeNow();
        })));
    }

    @Test
    void aBillingOnlyNodeIsNotReadyWithoutStorageButIsWithoutCache(Vertx vertx, VertxTestContext ctx) {
        // GIVEN a billing-only node whose MongoDB is down
        health = new NodeHealth(vertx, Set.of(Role.BILLING), BROKER, mongo, redis, metrics);
        health.isReady()
                .compose(ready -> {
                    // THEN it is not ready: it cannot store what it consumes
                    ctx.verify(() -> assertThat(ready).isFalse());
                    // WHEN its MongoDB is up and only Redis is down
                    health.close();
                    InetSocketAddress address = mongoServer.bind();
                    reachable = MongoClient.create(vertx, new JsonObject()
                            .put("connection_string", "mongodb://127.0.0.1:" + address.getPort())
                            .put("db_name", "health-test"));
                    health = new NodeHealth(vertx, Set.of(Role.BILLING), BROKER, reachable, redis,
                            new SimpleMeterRegistry());
                    return health.isReady();
                })
                .onComplete(ctx.succeeding(ready -> ctx.verify(() -> {
                    // THEN it is ready: Redis is only a cache
                    assertThat(ready).isTrue();
                    ctx.completeNow();
                })));
    }

    private double gauge(String dependency) {
        return metrics.get(NodeHealth.DEPENDENCY_UP_METRIC).tag("dependency", dependency).gauge().value();
    }
}
