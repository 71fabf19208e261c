package org.smartenergy.platform.billing.bills;

import org.smartenergy.platform.storage.MongoSupport;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smartenergy.platform.billing.tariff.TariffJson;
import org.smartenergy.platform.domain.tariff.Tariff;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Tariffs and which device is billed with which, in MongoDB.
 *
 * <p>Collection {@value #TARIFFS}: one immutable document per version,
 * {@code {_id: "<id>|<version>", tariffId, version, createdAt, tariff: <tariff JSON>}}. Creating a tariff whose id
 * exists adds version latest + 1; the unique {@code _id} makes two concurrent creations pick different versions (the
 * loser of the race sees a duplicate key and tries the next number). A version is never updated, so an issued bill
 * naming {@code (id, version)} can always be re-rated with exactly its rules.
 *
 * <p>Collection {@value #ASSIGNMENTS}: {@code {_id: deviceId, tariffId, version: null | pinned version,
 * assignedAt}}; without a pinned version a device is billed with the latest version.
 */
public final class TariffRepository {

    public static final String TARIFFS = "tariffs";
    public static final String ASSIGNMENTS = "device_tariffs";
    private static final int MAX_VERSION_ATTEMPTS = 5;
    private static final Logger LOG = LoggerFactory.getLogger(TariffRepository.class);

    private final MongoClient mongo;

    public TariffRepository(MongoClient mongo) {
        this.mongo = Objects.requireNonNull(mongo, "mongo");
    }

    /** A device's tariff: {@code pinnedVersion} null means "the latest version". */
    public record Assignment(String deviceId, String tariffId, Integer pinnedVersion, Instant assignedAt) {
    }

    /** Creates the indexes; idempotent. */
    public Future<Void> init() {
        return mongo.createIndexWithOptions(TARIFFS, new JsonObject().put("tariffId", 1).put("version", -1),
                new IndexOptions().name("tariffId_version"));
    }

    /**
     * Stores a new version of the tariff described by {@code json} (its {@code version}, if any, is replaced by the
     * next free one).
     *
     * @return the stored tariff; fails with {@code InvalidTariffException} naming every problem
     */
    public Future<Tariff> create(JsonObject json, Instant now) {
        JsonObject copy = json.copy().put("version", 1);
        Tariff validated;
        try {
            validated = TariffJson.fromJson(copy);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        return insertNextVersion(validated, now, 0);
    }

    private Future<Tariff> insertNextVersion(Tariff validated, Instant now, int attempt) {
        return latest(validated.id()).compose(latest -> {
            int version = latest == null ? 1 : latest.version() + 1;
            Tariff tariff = TariffJson.fromJson(TariffJson.toJson(validated).put("version", version));
            JsonObject doc = new JsonObject()
                    .put("_id", validated.id() + "|" + version)
                    .put("tariffId", validated.id())
                    .put("version", version)
                    .put("createdAt", MongoSupport.date(now))
                    .put("tariff", TariffJson.toJson(tariff));
            return mongo.insert(TARIFFS, doc).map(id -> tariff).recover(e -> {
                if (MongoSupport.isDuplicateKey(e) && attempt + 1 < MAX_VERSION_ATTEMPTS) {
                    // another operator created this version at the same moment: take the next number
                    return insertNextVersion(validated, now, attempt + 1);
                }
                return Future.failedFuture(e);
            });
        }).onSuccess(t -> LOG.info("tariff stored [tariffId: {}, version: {}]", t.id(), t.version()));
    }

    /** @return the latest version of the tariff, or null if there is none */
    public Future<Tariff> latest(String tariffId) {
        FindOptions options = new FindOptions().setSort(new JsonObject().put("version", -1)).setLimit(1);
        return mongo.findWithOptions(TARIFFS, new JsonObject().put("tariffId", tariffId), options)
                .map(docs -> docs.isEmpty() ? null : tariff(docs.get(0)));
    }

    /** @return that version of the tariff, or null if there is none */
    public Future<Tariff> version(String tariffId, int version) {
        return mongo.findOne(TARIFFS, new JsonObject().put("_id", tariffId + "|" + version), null)
                .map(doc -> doc == null ? null : tariff(doc));
    }

    /** @return the latest version of every tariff, ordered by id */
    public Future<List<Tariff>> latestOfEach() {
        FindOptions options = new FindOptions().setSort(new JsonObject().put("tariffId", 1).put("version", -1));
        return mongo.findWithOptions(TARIFFS, new JsonObject(), options).map(docs -> {
            Map<String, Tariff> latest = new LinkedHashMap<>();
            for (JsonObject doc : docs) {
                // sorted newest first: only the first document of each id is parsed (and validated)
                if (!latest.containsKey(doc.getString("tariffId"))) {
                    latest.put(doc.getString("tariffId"), tariff(doc));
                }
            }
            return new ArrayList<>(latest.values());
        });
    }

    /** @return the tariff a device is billed with now (pinned or latest version), or null */
    public Future<Tariff> resolve(Assignment assignment) {
        return assignment.pinnedVersion() == null
                ? latest(assignment.tariffId())
                : version(assignment.tariffId(), assignment.pinnedVersion());
    }

    /** Assigns (or re-assigns) a tariff to a device. The caller checks that both exist. */
    public Future<Void> assign(String deviceId, String tariffId, Integer pinnedVersion, Instant now) {
        JsonObject set = new JsonObject()
                .put("tariffId", tariffId)
                .put("version", pinnedVersion)
                .put("assignedAt", MongoSupport.date(now));
        // the first assignment's date stays: it is where the device's billing starts
        JsonObject update = new JsonObject().put("$set", set)
                .put("$setOnInsert", new JsonObject().put("firstAssignedAt",
                        MongoSupport.date(now)));
        return mongo.updateCollectionWithOptions(ASSIGNMENTS, new JsonObject().put("_id", deviceId), update,
                new UpdateOptions().setUpsert(true)).mapEmpty();
    }

    /** @return the device's assignment, or null */
    public Future<Assignment> assignment(String deviceId) {
        return mongo.findOne(ASSIGNMENTS, new JsonObject().put("_id", deviceId), null)
                .map(doc -> doc == null ? null : assignment(doc));
    }

    /** @return every assignment */
    public Future<List<Assignment>> assignments() {
        return mongo.find(ASSIGNMENTS, new JsonObject())
                .map(docs -> docs.stream().map(TariffRepository::assignment).toList());
    }

    private static Assignment assignment(JsonObject doc) {
        Object first = doc.getValue("firstAssignedAt", doc.getValue("assignedAt"));
        return new Assignment(doc.getString("_id"), doc.getString("tariffId"), doc.getInteger("version"),
                MongoSupport.instant(first));
    }

    private static Tariff tariff(JsonObject doc) {
        return TariffJson.fromJson(doc.getJsonObject("tariff"));
    }
}
