package org.smartenergy.platform.device;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.smartenergy.platform.gateway.DeviceAdmin;

import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link MongoDeviceRegistry} against an in-memory MongoDB wire-protocol server. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class MongoDeviceRegistryTest {

    private MongoServer server;
    private MongoClient mongo;
    private MongoDeviceRegistry registry;

    @BeforeEach
    void setUp(Vertx vertx, VertxTestContext testContext) {
        server = new MongoServer(new MemoryBackend());
        server.bind("127.0.0.1", 0);
        mongo = MongoClient.create(vertx, new JsonObject()
                .put("connection_string", "mongodb://127.0.0.1:" + server.getLocalAddress().getPort())
                .put("db_name", "registry-test"));
        registry = new MongoDeviceRegistry(mongo);
        // init twice: it must be idempotent
        registry.init().compose(v -> registry.init()).onComplete(testContext.succeedingThenComplete());
    }

    @AfterEach
    void tearDown(VertxTestContext testContext) {
        mongo.close().onComplete(ar -> {
            server.shutdownNow();
            testContext.completeNow();
        });
    }

    @Test
    void createdDeviceIsFoundByIdAndByTokenHash(VertxTestContext testContext) {
        Instant before = Instant.now().minusMillis(1);
        // WHEN a device is created
        registry.create("meter-1", "kitchen", "hash-1")
                .compose(created -> registry.find("meter-1").map(found -> {
                    // THEN find returns what create returned
                    testContext.verify(() -> {
                        assertThat(found).isEqualTo(created);
                        assertThat(found.name()).isEqualTo("kitchen");
                        assertThat(found.createdAt()).isAfter(before).isBeforeOrEqualTo(Instant.now());
                    });
                    return found;
                }))
                .compose(found -> registry.tokenOwner("hash-1"))
                // AND the token hash resolves to the device
                .onComplete(testContext.succeeding(owner -> testContext.verify(() -> {
                    assertThat(owner).isEqualTo(new DeviceAdmin.TokenOwner("meter-1", true));
                    testContext.completeNow();
                })));
    }

    @Test
    void documentHoldsIdNameHashAndDate(VertxTestContext testContext) {
        registry.create("meter-1", "kitchen", "hash-1")
                .compose(d -> mongo.findOne(MongoDeviceRegistry.COLLECTION, new JsonObject().put("_id", "meter-1"),
                        null))
                .onComplete(testContext.succeeding(doc -> testContext.verify(() -> {
                    assertThat(doc.fieldNames()).containsExactlyInAnyOrder("_id", "name", "tokenHash", "createdAt", "enabled");
                    assertThat(doc.getString("tokenHash")).isEqualTo("hash-1");
                    // a BSON date, not a string: queryable by range in real MongoDB
                    assertThat(doc.getValue("createdAt")).isInstanceOf(JsonObject.class);
                    assertThat(doc.getJsonObject("createdAt").containsKey("$date")).isTrue();
                    testContext.completeNow();
                })));
    }

    @Test
    void creatingAnExistingIdFailsWithDeviceExists(VertxTestContext testContext) {
        registry.create("meter-1", "kitchen", "hash-1")
                .compose(d -> registry.create("meter-1", "again", "hash-2"))
                .onComplete(testContext.failing(failure -> testContext.verify(() -> {
                    assertThat(failure).isInstanceOf(DeviceAdmin.DeviceExistsException.class);
                    assertThat(failure.getMessage()).contains("meter-1");
                    testContext.completeNow();
                })));
    }

    @Test
    void tokenHashIsUnique(VertxTestContext testContext) {
        registry.create("meter-1", "a", "same-hash")
                .compose(d -> registry.create("meter-2", "b", "same-hash"))
                .onComplete(testContext.failing(failure -> testContext.completeNow()));
    }

    @Test
    void unknownIdAndUnknownHashGiveNull(VertxTestContext testContext) {
        Future.all(registry.find("nope"), registry.tokenOwner("nope"))
                .onComplete(testContext.succeeding(all -> testContext.verify(() -> {
                    assertThat((Object) all.resultAt(0)).isNull();
                    assertThat((Object) all.resultAt(1)).isNull();
                    testContext.completeNow();
                })));
    }
}
