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
import java.util.List;
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

    @Test
    void bulkCreateWritesEveryNewDeviceAndReportsTheTakenIds(VertxTestContext testContext) {
        // GIVEN meter-1 exists
        registry.create("meter-1", "kitchen", "hash-1")
                // WHEN a bulk create holds a new device, meter-1 and another new device
                .compose(d -> registry.createAll(List.of(new DeviceAdmin.NewDevice("meter-a", "a", "hash-a"),
                        new DeviceAdmin.NewDevice("meter-1", "again", "hash-x"),
                        new DeviceAdmin.NewDevice("meter-b", null, "hash-b"))))
                .compose(taken -> Future.all(registry.find("meter-a"), registry.find("meter-b"),
                        registry.find("meter-1"), registry.tokenOwner("hash-x")).map(all -> {
                    // THEN only meter-1 is reported taken, both others were written, meter-1 is unchanged
                    testContext.verify(() -> {
                        assertThat(taken).containsExactly("meter-1");
                        assertThat(((DeviceAdmin.Device) all.resultAt(0)).name()).isEqualTo("a");
                        assertThat(((DeviceAdmin.Device) all.resultAt(1)).name()).isEmpty();
                        assertThat(((DeviceAdmin.Device) all.resultAt(2)).name()).isEqualTo("kitchen");
                        assertThat((Object) all.resultAt(3)).isNull();
                    });
                    return all;
                }))
                .onComplete(testContext.succeedingThenComplete());
    }

    @Test
    void pagesAscendByIdFromTheGivenId(VertxTestContext testContext) {
        registry.create("c", "", "h-c")
                .compose(d -> registry.create("a", "", "h-a"))
                .compose(d -> registry.create("b", "", "h-b"))
                .compose(d -> Future.all(registry.page(null, 2), registry.page("b", 2), registry.page("c", 2)))
                .onComplete(testContext.succeeding(all -> testContext.verify(() -> {
                    assertThat(ids(all.resultAt(0))).containsExactly("a", "b");
                    assertThat(ids(all.resultAt(1))).containsExactly("c");
                    assertThat(ids(all.resultAt(2))).isEmpty();
                    testContext.completeNow();
                })));
    }

    @Test
    void replacedTokenHashNoLongerResolves(VertxTestContext testContext) {
        registry.create("meter-1", "kitchen", "old-hash")
                .compose(d -> registry.replaceTokenHash("meter-1", "new-hash"))
                .compose(d -> Future.all(registry.tokenOwner("old-hash"), registry.tokenOwner("new-hash"),
                        registry.replaceTokenHash("nope", "other-hash")))
                .onComplete(testContext.succeeding(all -> testContext.verify(() -> {
                    assertThat((Object) all.resultAt(0)).isNull();
                    assertThat((Object) all.resultAt(1)).isEqualTo(new DeviceAdmin.TokenOwner("meter-1", true));
                    assertThat((Object) all.resultAt(2)).isNull();
                    testContext.completeNow();
                })));
    }

    @Test
    void updateDisablesAndRenamesAndTheTokenOwnerShowsIt(VertxTestContext testContext) {
        registry.create("meter-1", "kitchen", "hash-1")
                .compose(d -> registry.update("meter-1", false, null))
                .compose(disabled -> registry.update("meter-1", null, "cellar").map(renamed -> {
                    testContext.verify(() -> {
                        assertThat(disabled.enabled()).isFalse();
                        assertThat(disabled.name()).isEqualTo("kitchen");
                        assertThat(renamed.enabled()).isFalse();
                        assertThat(renamed.name()).isEqualTo("cellar");
                    });
                    return renamed;
                }))
                .compose(d -> Future.all(registry.tokenOwner("hash-1"), registry.update("nope", true, null)))
                .onComplete(testContext.succeeding(all -> testContext.verify(() -> {
                    assertThat((Object) all.resultAt(0)).isEqualTo(new DeviceAdmin.TokenOwner("meter-1", false));
                    assertThat((Object) all.resultAt(1)).isNull();
                    testContext.completeNow();
                })));
    }

    @Test
    void deleteRemovesTheDeviceAndItsTokenOnce(VertxTestContext testContext) {
        registry.create("meter-1", "kitchen", "hash-1")
                .compose(d -> registry.delete("meter-1"))
                .compose(first -> Future.all(registry.find("meter-1"), registry.tokenOwner("hash-1"),
                        registry.delete("meter-1")).map(all -> {
                    testContext.verify(() -> {
                        assertThat(first).isTrue();
                        assertThat((Object) all.resultAt(0)).isNull();
                        assertThat((Object) all.resultAt(1)).isNull();
                        assertThat((Boolean) all.resultAt(2)).isFalse();
                    });
                    return all;
                }))
                .onComplete(testContext.succeedingThenComplete());
    }

    @Test
    void deviceStoredWithoutTheEnabledFieldIsEnabled(VertxTestContext testContext) {
        // GIVEN a document written before the enabled field existed
        mongo.insert(MongoDeviceRegistry.COLLECTION, new JsonObject().put("_id", "old-meter").put("name", "")
                        .put("tokenHash", "old-hash").put("createdAt", new JsonObject().put("$date",
                                "2025-01-01T00:00:00Z")))
                .compose(id -> Future.all(registry.find("old-meter"), registry.tokenOwner("old-hash")))
                .onComplete(testContext.succeeding(all -> testContext.verify(() -> {
                    assertThat(((DeviceAdmin.Device) all.resultAt(0)).enabled()).isTrue();
                    assertThat((Object) all.resultAt(1)).isEqualTo(new DeviceAdmin.TokenOwner("old-meter", true));
                    testContext.completeNow();
                })));
    }

    private static List<String> ids(List<DeviceAdmin.Device> devices) {
        return devices.stream().map(DeviceAdmin.Device::deviceId).toList();
    }
}
