package org.smartenergy.platform.device;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.bulk.BulkWriteError;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;
import org.smartenergy.platform.gateway.DeviceAdmin;
import org.smartenergy.platform.storage.MongoSupport;
import org.smartenergy.platform.storage.StoreUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The gateway's {@link DeviceAdmin} port on the MongoDB collection {@value #COLLECTION}:
 * {@code {_id: deviceId, name, tokenHash, createdAt, enabled}} with a unique index on {@code tokenHash}. Paging
 * ({@link #page}) is a range scan on the {@code _id} index every collection has: {@code {_id: {$gt: after}}} sorted by
 * {@code _id}, so no further index is needed. A document without {@code enabled} (provisioned before the field
 * existed) is enabled.
 *
 * <p>Driver errors are translated here: a duplicate key on insert is the expected outcome "device exists" and becomes
 * {@link DeviceExistsException} (or, in a bulk import, the row's id in the answer); an unreachable store becomes
 * {@link StoreUnavailableException}.
 */
public final class MongoDeviceRegistry implements DeviceAdmin {

    /** The collection holding devices. */
    public static final String COLLECTION = "devices";
    static final String FIELD_ID = "_id";
    static final String FIELD_NAME = "name";
    static final String FIELD_TOKEN_HASH = "tokenHash";
    static final String FIELD_CREATED_AT = "createdAt";
    static final String FIELD_ENABLED = "enabled";
    private static final String TOKEN_HASH_INDEX = "tokenHash_unique";
    private static final JsonObject DEVICE_FIELDS = new JsonObject()
            .put(FIELD_NAME, 1).put(FIELD_CREATED_AT, 1).put(FIELD_ENABLED, 1);
    private static final int DUPLICATE_KEY = 11000;
    private static final BulkWriteOptions UNORDERED = new BulkWriteOptions(false);

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
        return mongo.insert(COLLECTION, document(deviceId, label, tokenHash, createdAt))
                .recover(failure -> Future.failedFuture(MongoSupport.isDuplicateKey(failure)
                        // a duplicate tokenHash would need a SHA-256 collision of a 256-bit random token: the
                        // only duplicate that happens is the id
                        ? new DeviceExistsException(deviceId)
                        : StoreUnavailableException.translate(failure)))
                .map(id -> new Device(deviceId, label, createdAt, true));
    }

    @Override
    public Future<Set<String>> createAll(List<NewDevice> devices) {
        if (devices.isEmpty()) {
            return Future.succeededFuture(Set.of());
        }
        Instant createdAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<BulkOperation> inserts = new ArrayList<>(devices.size());
        for (NewDevice device : devices) {
            inserts.add(BulkOperation.createInsert(document(device.deviceId(),
                    device.name() == null ? "" : device.name(), device.tokenHash(), createdAt)));
        }
        // one unordered bulk write (the driver sends it in as few insert commands as the server's limits allow):
        // a taken id fails its own row only
        return mongo.bulkWriteWithOptions(COLLECTION, inserts, UNORDERED)
                .<Set<String>>map(result -> Set.of())
                .recover(failure -> {
                    Set<String> taken = takenIds(failure, devices);
                    return taken != null ? Future.succeededFuture(taken)
                            : Future.failedFuture(StoreUnavailableException.translate(failure));
                });
    }

    /** @return the ids whose insert failed on a duplicate key, or null if anything else failed */
    private static Set<String> takenIds(Throwable failure, List<NewDevice> devices) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof MongoBulkWriteException bulk) {
                if (bulk.getWriteConcernError() != null || bulk.getWriteErrors().isEmpty()) {
                    return null;
                }
                Set<String> taken = new HashSet<>();
                for (BulkWriteError error : bulk.getWriteErrors()) {
                    boolean duplicateKey = error.getCategory() == ErrorCategory.DUPLICATE_KEY
                            || error.getCode() == DUPLICATE_KEY;
                    if (!duplicateKey || error.getIndex() < 0 || error.getIndex() >= devices.size()) {
                        return null;
                    }
                    taken.add(devices.get(error.getIndex()).deviceId());
                }
                return taken;
            }
        }
        return null;
    }

    @Override
    public Future<Device> find(String deviceId) {
        return mongo.findOne(COLLECTION, new JsonObject().put(FIELD_ID, deviceId), DEVICE_FIELDS)
                .map(MongoDeviceRegistry::device)
                .recover(StoreUnavailableException::recover);
    }

    @Override
    public Future<List<Device>> page(String after, int limit) {
        JsonObject query = after == null ? new JsonObject()
                : new JsonObject().put(FIELD_ID, new JsonObject().put("$gt", after));
        FindOptions options = new FindOptions()
                .setFields(DEVICE_FIELDS)
                .setSort(new JsonObject().put(FIELD_ID, 1))
                .setLimit(limit);
        return mongo.findWithOptions(COLLECTION, query, options)
                .map(docs -> docs.stream().map(MongoDeviceRegistry::device).toList())
                .recover(StoreUnavailableException::recover);
    }

    @Override
    public Future<Device> replaceTokenHash(String deviceId, String tokenHash) {
        Objects.requireNonNull(tokenHash, "tokenHash");
        return change(deviceId, new JsonObject().put(FIELD_TOKEN_HASH, tokenHash));
    }

    @Override
    public Future<Device> update(String deviceId, Boolean enabled, String name) {
        JsonObject set = new JsonObject();
        if (enabled != null) {
            set.put(FIELD_ENABLED, enabled);
        }
        if (name != null) {
            set.put(FIELD_NAME, name);
        }
        return set.isEmpty() ? find(deviceId) : change(deviceId, set);
    }

    private Future<Device> change(String deviceId, JsonObject set) {
        return mongo.findOneAndUpdateWithOptions(COLLECTION, new JsonObject().put(FIELD_ID, deviceId),
                        new JsonObject().put("$set", set), new FindOptions().setFields(DEVICE_FIELDS),
                        new UpdateOptions().setReturningNewDocument(true))
                .map(MongoDeviceRegistry::device)
                .recover(StoreUnavailableException::recover);
    }

    @Override
    public Future<Boolean> delete(String deviceId) {
        return mongo.removeDocument(COLLECTION, new JsonObject().put(FIELD_ID, deviceId))
                .map(result -> result != null && result.getRemovedCount() > 0)
                .recover(StoreUnavailableException::recover);
    }

    @Override
    public Future<TokenOwner> tokenOwner(String tokenHash) {
        return mongo.findOne(COLLECTION, new JsonObject().put(FIELD_TOKEN_HASH, tokenHash),
                        new JsonObject().put(FIELD_ID, 1).put(FIELD_ENABLED, 1))
                .map(doc -> doc == null ? null
                        : new TokenOwner(doc.getString(FIELD_ID), doc.getBoolean(FIELD_ENABLED, true)))
                .recover(StoreUnavailableException::recover);
    }

    private static JsonObject document(String deviceId, String name, String tokenHash, Instant createdAt) {
        return new JsonObject()
                .put(FIELD_ID, deviceId)
                .put(FIELD_NAME, name)
                .put(FIELD_TOKEN_HASH, tokenHash)
                .put(FIELD_CREATED_AT, MongoSupport.date(createdAt))
                .put(FIELD_ENABLED, true);
    }

    private static Device device(JsonObject doc) {
        return doc == null ? null : new Device(doc.getString(FIELD_ID), doc.getString(FIELD_NAME, ""),
                MongoSupport.instant(doc.getValue(FIELD_CREATED_AT)), doc.getBoolean(FIELD_ENABLED, true));
    }
}
