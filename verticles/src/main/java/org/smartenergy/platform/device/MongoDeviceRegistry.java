package org.smartenergy.platform.device;

import org.smartenergy.platform.storage.MongoSupport;
import org.smartenergy.platform.storage.StoreUnavailableException;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * {@link DeviceRegistry} on the MongoDB collection {@value #COLLECTION}:
 * {@code {_id: deviceId, name, tokenHash, createdAt}} with a unique index on {@code tokenHash}.
 *
 * <p>Driver errors are translated here: a duplicate key on insert is the expected outcome "device exists" and becomes
 * {@link DeviceExistsException}; everything else is passed on unchanged.
 */
public final class MongoDeviceRegistry implements DeviceRegistry {

    /** The collection holding devices. */
    public static final String COLLECTION = "devices";
    static final String FIELD_ID = "_id";
    static final String FIELD_NAME = "name";
    static final String FIELD_TOKEN_HASH = "tokenHash";
    static final String FIELD_CREATED_AT = "createdAt";
    private static final String TOKEN_HASH_INDEX = "tokenHash_unique";

    private static final Logger LOG = LoggerFactory.getLogger(MongoDeviceRegistry.class);

    private final MongoClient mongo;

    /** @param mongo a client the caller owns (and closes) */
    public MongoDeviceRegistry(MongoClient mongo) {
        this.mongo = Objects.requireNonNull(mongo, "mongo");
    }

    @Override
    public Future<Void> init() {
        return mongo.createIndexWithOptions(COLLECTION, new JsonObject().put(FIELD_TOKEN_HASH, 1),
                        new IndexOptions().name(TOKEN_HASH_INDEX).unique(true))
                .onSuccess(v -> LOG.info("device registry ready [collection: {}]", COLLECTION));
    }

    @Override
    public Future<Device> create(String deviceId, String name, String tokenHash) {
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(tokenHash, "tokenHash");
        // Mongo stores milliseconds: truncate so the returned device equals what find() reads back
        Instant createdAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String label = name == null ? "" : name;
        JsonObject doc = new JsonObject()
                .put(FIELD_ID, deviceId)
                .put(FIELD_NAME, label)
                .put(FIELD_TOKEN_HASH, tokenHash)
                .put(FIELD_CREATED_AT, MongoSupport.date(createdAt));
        return mongo.insert(COLLECTION, doc)
                .recover(failure -> Future.failedFuture(MongoSupport.isDuplicateKey(failure)
                        // a duplicate tokenHash would need a SHA-256 collision of a 256-bit random token: the
                        // only duplicate that happens is the id
                        ? new DeviceExistsException(deviceId)
                        : StoreUnavailableException.translate(failure)))
                .map(id -> new Device(deviceId, label, createdAt));
    }

    @Override
    public Future<Device> find(String deviceId) {
        JsonObject fields = new JsonObject().put(FIELD_NAME, 1).put(FIELD_CREATED_AT, 1);
        return mongo.findOne(COLLECTION, new JsonObject().put(FIELD_ID, deviceId), fields)
                .map(doc -> doc == null ? null : new Device(doc.getString(FIELD_ID),
                        doc.getString(FIELD_NAME, ""), MongoSupport.instant(doc.getValue(FIELD_CREATED_AT))))
                .recover(StoreUnavailableException::recover);
    }

    @Override
    public Future<String> deviceIdForTokenHash(String tokenHash) {
        return mongo.findOne(COLLECTION, new JsonObject().put(FIELD_TOKEN_HASH, tokenHash),
                        new JsonObject().put(FIELD_ID, 1))
                .map(doc -> doc == null ? null : doc.getString(FIELD_ID))
                .recover(StoreUnavailableException::recover);
    }
}
