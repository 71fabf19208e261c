package org.smartenergy.platform.billing.bills;

import org.smartenergy.platform.storage.MongoSupport;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smartenergy.platform.tariffjson.TariffJson;
import org.smartenergy.platform.domain.tariff.Tariff;

import java.time.Instant;
import java.time.LocalDate;
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
 * <p>Collection {@value #ASSIGNMENTS}: one document per device, {@code {_id: deviceId, segments: [{tariffId,
 * version: null | pinned version, from: "yyyy-MM-dd", to: "yyyy-MM-dd" | null}], rev, tariffId, version,
 * assignedAt, firstAssignedAt}}: the device's supply history, oldest first (move-in, changes of tariff, move-out);
 * without a pinned version a segment is billed with the latest version. Segments of closed periods are never
 * changed (see {@code BillService#assign}); every write replaces the list under the revision it was computed from.
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

    /**
     * One stretch of supply with one tariff: from 00:00 local (the tariff's zone) on {@code from} to 00:00 local on
     * {@code to}. {@code pinnedVersion} null means "the latest version".
     *
     * @param from first day supplied; null only for a document of the older shape (see {@link Assignment})
     * @param to   day the supply ended (exclusive), null while it lasts
     */
    public record Segment(String tariffId, Integer pinnedVersion, LocalDate from, LocalDate to) {

        /** @return the same supply ending at 00:00 local on {@code day} */
        public Segment endingOn(LocalDate day) {
            return new Segment(tariffId, pinnedVersion, from, day);
        }

        /** @return true while the supply lasts */
        public boolean open() {
            return to == null;
        }
    }

    /**
     * A device's supply history.
     *
     * @param segments        oldest first; at most the last one is open. A document written before supply segments
     *                        existed reads as one open segment with {@code from == null}: billed, as it was then, from
     *                        the start of the cycle containing {@code firstAssignedAt}
     * @param firstAssignedAt when the device was first given a tariff
     * @param rev             revision of the document, for optimistic concurrency (0: older shape)
     */
    public record Assignment(String deviceId, List<Segment> segments, Instant firstAssignedAt, int rev) {

        public Assignment {
            segments = List.copyOf(segments);
        }

        /** @return the open segment (the tariff the device is billed with now), or null if the supply ended */
        public Segment current() {
            if (segments.isEmpty()) {
                return null;
            }
            Segment last = segments.isEmpty() ? null : segments.get(segments.size() - 1);
            return last.open() ? last : null;
        }
    }

    /** Creates the indexes; idempotent. */
    public Future<Void> init() {
        return mongo.createIndexWithOptions(TARIFFS, new JsonObject().put("tariffId", 1).put("version", -1),
                new IndexOptions().name("tariffId_version"));
    }

    /**
     * Stores {@code definition} as a new version of its tariff: its own version is replaced by the next free one.
     *
     * @param definition a valid tariff, parsed from the operator's document by the edge
     * @return the stored tariff
     */
    public Future<Tariff> create(Tariff definition, Instant now) {
        return insertNextVersion(definition, now, 0);
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

    /** @return the tariff a segment is billed with (pinned or latest version), or null */
    public Future<Tariff> resolve(Segment segment) {
        return segment.pinnedVersion() == null
                ? latest(segment.tariffId())
                : version(segment.tariffId(), segment.pinnedVersion());
    }

    /**
     * Replaces the device's supply segments, if nobody changed them since they were read.
     *
     * @param expected the assignment the new segments were computed from (null: the device had none)
     * @param segments the complete new history, oldest first; the last one open or ended
     * @return true if written, false if another writer changed the document first (re-read and retry)
     */
    public Future<Boolean> saveSegments(String deviceId, Assignment expected, List<Segment> segments, Instant now) {
        JsonArray array = new JsonArray();
        segments.forEach(seg -> array.add(new JsonObject()
                .put("tariffId", seg.tariffId())
                .put("version", seg.pinnedVersion())
                .put("from", seg.from().toString())
                .put("to", seg.to() == null ? null : seg.to().toString())));
        Segment last = segments.isEmpty() ? null : segments.get(segments.size() - 1);
        // tariffId/version/assignedAt stay for readers of the older document shape: the latest segment's tariff
        JsonObject set = new JsonObject()
                .put("tariffId", last == null ? null : last.tariffId())
                .put("version", last == null ? null : last.pinnedVersion())
                .put("assignedAt", MongoSupport.date(now))
                .put("segments", array)
                .put("rev", expected == null ? 1 : expected.rev() + 1);
        if (expected == null) {
            JsonObject doc = set.copy().put("_id", deviceId).put("firstAssignedAt", MongoSupport.date(now));
            return mongo.insert(ASSIGNMENTS, doc).map(id -> true)
                    .recover(e -> MongoSupport.isDuplicateKey(e) ? Future.succeededFuture(false)
                            : Future.failedFuture(e));
        }
        // optimistic concurrency: only the revision read is replaced (a document of the older shape has no rev)
        JsonObject filter = new JsonObject().put("_id", deviceId).put("rev",
                expected.rev() == 0 ? new JsonObject().put("$exists", false) : expected.rev());
        return mongo.updateCollection(ASSIGNMENTS, filter, new JsonObject().put("$set", set))
                .map(result -> result != null && result.getDocMatched() == 1);
    }

    /** @return the device's assignment, or null */
    public Future<Assignment> assignment(String deviceId) {
        return mongo.findOne(ASSIGNMENTS, new JsonObject().put("_id", deviceId), null)
                .map(doc -> doc == null ? null : assignment(doc));
    }

    /** @return every assignment, those whose supply ended included (their last periods still close) */
    public Future<List<Assignment>> assignments() {
        return mongo.find(ASSIGNMENTS, new JsonObject())
                .map(docs -> docs.stream().map(TariffRepository::assignment).toList());
    }

    private static Assignment assignment(JsonObject doc) {
        Object first = doc.getValue("firstAssignedAt", doc.getValue("assignedAt"));
        Instant firstAssignedAt = MongoSupport.instant(first);
        List<Segment> segments = new ArrayList<>();
        JsonArray array = doc.getJsonArray("segments");
        if (array == null) {
            // older shape: one open supply, billed from the start of the cycle the first assignment fell in
            segments.add(new Segment(doc.getString("tariffId"), doc.getInteger("version"), null, null));
        } else {
            for (int i = 0; i < array.size(); i++) {
                JsonObject seg = array.getJsonObject(i);
                String to = seg.getString("to");
                segments.add(new Segment(seg.getString("tariffId"), seg.getInteger("version"),
                        LocalDate.parse(seg.getString("from")), to == null ? null : LocalDate.parse(to)));
            }
        }
        return new Assignment(doc.getString("_id"), segments, firstAssignedAt, doc.getInteger("rev", 0));
    }

    private static Tariff tariff(JsonObject doc) {
        return TariffJson.fromJson(doc.getJsonObject("tariff"));
    }
}
