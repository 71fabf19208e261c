package org.smartenergy.platform.billing;

import org.smartenergy.platform.storage.MongoSupport;
import org.smartenergy.platform.storage.StoreUnavailableException;
import org.smartenergy.platform.storage.UsageBucketSchema;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smartenergy.platform.billing.bills.PeriodReadings;
import org.smartenergy.platform.domain.MeterReading;
import org.smartenergy.platform.domain.UsageBucket;
import org.smartenergy.platform.domain.UsageBuckets;
import org.smartenergy.platform.domain.UsageStep;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import static org.smartenergy.platform.storage.UsageBucketSchema.COUNT;
import static org.smartenergy.platform.storage.UsageBucketSchema.DAY;
import static org.smartenergy.platform.storage.UsageBucketSchema.DEVICE_ID;
import static org.smartenergy.platform.storage.UsageBucketSchema.HOUR;
import static org.smartenergy.platform.storage.UsageBucketSchema.HOUR_START;
import static org.smartenergy.platform.storage.UsageBucketSchema.ID;
import static org.smartenergy.platform.storage.UsageBucketSchema.READINGS;
import static org.smartenergy.platform.storage.UsageBucketSchema.READING_INTERVAL;
import static org.smartenergy.platform.storage.UsageBucketSchema.READING_SEQ;
import static org.smartenergy.platform.storage.UsageBucketSchema.READING_USAGE;
import static org.smartenergy.platform.storage.UsageBucketSchema.TOTAL;

/**
 * {@link ReadingStore} on MongoDB with the bucket pattern: one document per device and UTC hour, laid out as
 * {@link UsageBucketSchema} describes.
 *
 * <p>Every write addresses a document by {@code _id} alone, so it is an index lookup on MongoDB and on the embedded
 * stand-in alike (mongo-java-server uses an index only for a filter on exactly the index's fields), and its cost does
 * not grow with the data already stored. A batch costs, per hour bucket receiving several of its readings, one
 * {@code findOneAndUpdate({_id}, {$max: {"readings.<ms>": {e, s, i}, ...}, $setOnInsert: {...}}, upsert, before)};
 * for the buckets receiving one or two, together, one unordered bulk of per-reading {@code $max} updates and one
 * {@code find} by {@code _id} ({@link #mergeSparse}); then one unordered bulk of
 * {@code updateOne({_id}, {$max: {total, count, "quarters.QQ"}})}.
 *
 * <p>Why this is exact and idempotent without a guard query:
 * <ul>
 *   <li>The readings map only ever grows, and {@code $max} merges a reading into it: absent, it is added; present,
 *       the larger of the two (compared as BSON documents: usage, then seq, then interval) stays. The merge is
 *       commutative and idempotent, so redeliveries, resends and two billing nodes writing the same bucket at once
 *       all end in the same document, whatever the order.</li>
 *   <li>The document returned by the atomic {@code findOneAndUpdate} is the state just before this write, so the
 *       readings absent from it are exactly the ones this write stored (counted once, cluster-wide), and the
 *       state just after it is known without another read: its totals are computed here from all its readings.</li>
 *   <li>Totals (every one of them a sum of non-negative per-reading values over a growing map) only grow from state
 *       to state, so writing them with {@code $max} keeps the totals of the latest state any writer computed;
 *       the writer of the last state writes last, so totals end equal to the readings. A crash between the two steps
 *       leaves the readings stored and the totals behind; the redelivered batch recomputes and repairs them.</li>
 * </ul>
 *
 * <p>The write concern comes from the connection string (see {@link MongoSettings}); a {@link #store} future
 * succeeds only after all its writes are acknowledged under it.
 */
public final class MongoReadingStore implements ReadingStore, UsageTotalsSource, PeriodReadings {

    private static final Logger LOG = LoggerFactory.getLogger(MongoReadingStore.class);
    private static final BulkWriteOptions UNORDERED = new BulkWriteOptions(false);
    private static final JsonObject WITHOUT_READINGS = new JsonObject().put(READINGS, 0);
    private static final JsonObject ONLY_READINGS = new JsonObject().put(READINGS, 1);
    private static final UpdateOptions UPSERT_RETURN_BEFORE = new UpdateOptions().setUpsert(true)
            .setReturningNewDocument(false);
    /** A bucket receiving fewer readings of a batch than this goes into the batch's bulk write (see mergeSparse). */
    static final int MIN_READINGS_FOR_FIND_AND_MODIFY = 3;
    /** Above this many hours a usage query is a range query on {@code {deviceId, hourStart}} instead of ids. */
    static final int MAX_HOURS_BY_ID = 2_000;
    private static final long HOUR_MS = 3_600_000L;

    private final MongoClient mongo;
    private final String collection;

    /**
     * @param mongo      the client (the write concern of its connection string applies to every write)
     * @param collection the bucket collection, {@code billing.readingsCollection}
     */
    public MongoReadingStore(MongoClient mongo, String collection) {
        this.mongo = Objects.requireNonNull(mongo, "mongo");
        this.collection = Objects.requireNonNull(collection, "collection");
    }

    /** @return the bucket id of a device and the UTC hour starting at {@code hourStart} (epoch ms) */
    public static String bucketId(String deviceId, long hourStart) {
        return UsageBucketSchema.id(deviceId, hourStart);
    }

    @Override
    public Future<Void> init() {
        // range queries by device (long usage spans) and the analytics $match on the day; the embedded stand-in
        // ignores non-unique indexes, every hot path addresses documents by _id
        return mongo.createIndexWithOptions(collection, new JsonObject().put(DEVICE_ID, 1).put(HOUR_START, 1),
                        new IndexOptions().name("deviceId_hourStart"))
                .compose(v -> mongo.createIndexWithOptions(collection, new JsonObject().put(DAY, 1),
                        new IndexOptions().name("day")));
    }

    @Override
    public Future<StoreResult> store(List<MeterReading> readings) {
        // the same reading twice in one call: keep the largest, as the merge in MongoDB would
        Map<MeterReading.ReadingKey, MeterReading> distinct = new LinkedHashMap<>();
        for (MeterReading r : readings) {
            distinct.merge(r.key(), r, (a, b) -> compare(a, b) >= 0 ? a : b);
        }
        int repeatedInCall = readings.size() - distinct.size();
        if (distinct.isEmpty()) {
            return Future.succeededFuture(new StoreResult(0, repeatedInCall));
        }
        Map<String, List<MeterReading>> byBucket = new LinkedHashMap<>();
        for (MeterReading r : distinct.values()) {
            long hourStart = UsageBuckets.hourStart(r.timestamp().toEpochMilli());
            byBucket.computeIfAbsent(bucketId(r.deviceId(), hourStart), k -> new ArrayList<>()).add(r);
        }
        // a bucket receiving several readings costs one findOneAndUpdate for all of them; buckets receiving one or
        // two (a fleet of loggers, each sending now and then) go together in one bulk write of one update per
        // reading, so a batch of 500 devices is a few commands instead of 500 round trips
        List<Future<Merge>> writes = new ArrayList<>();
        Map<String, List<MeterReading>> sparse = new LinkedHashMap<>();
        byBucket.forEach((id, bucketReadings) -> {
            if (bucketReadings.size() >= MIN_READINGS_FOR_FIND_AND_MODIFY) {
                writes.add(mergeReadings(id, bucketReadings));
            } else {
                sparse.put(id, bucketReadings);
            }
        });
        if (!sparse.isEmpty()) {
            writes.add(mergeSparse(sparse));
        }
        int distinctCount = distinct.size();
        return Future.all(writes)
                .compose(all -> {
                    List<BulkOperation> totals = new ArrayList<>(byBucket.size());
                    int stored = 0;
                    for (Future<Merge> f : writes) {
                        stored += f.result().newlyStored();
                        f.result().totals().forEach((id, bucketTotals) -> totals.add(BulkOperation.createUpdate(
                                new JsonObject().put(ID, id), new JsonObject().put("$max", bucketTotals),
                                false, false)));
                    }
                    int newlyStored = stored;
                    return mongo.bulkWriteWithOptions(collection, totals, UNORDERED)
                            .map(r -> new StoreResult(newlyStored, repeatedInCall + distinctCount - newlyStored));
                })
                .onFailure(e -> LOG.debug("store failed [readings: {}]: {}", readings.size(), e.toString()));
    }

    /**
     * Merges the readings of buckets that receive only one or two of them: one unordered bulk of
     * {@code updateOne({_id}, {$max: {"readings.<ms>": ...}, $setOnInsert: ...}, upsert)} per reading, whose
     * modified and upserted counts are the readings this write changed (each update is atomic, so a reading two
     * writers store at once is counted by one of them), then one {@code find} by {@code _id} of those buckets: the
     * state after the write, from which their totals are computed like {@link #merged}'s. (The last writer of a
     * bucket reads after its own write, so it sees the final state and its totals win the {@code $max}.)
     *
     * @return the readings changed and the totals of those buckets
     */
    private Future<Merge> mergeSparse(Map<String, List<MeterReading>> buckets) {
        List<BulkOperation> updates = new ArrayList<>();
        buckets.forEach((id, bucketReadings) -> {
            for (MeterReading r : bucketReadings) {
                JsonObject update = new JsonObject()
                        .put("$max", new JsonObject()
                                .put(UsageBucketSchema.reading(r.timestamp().toEpochMilli()), entry(r)))
                        .put("$setOnInsert", bucketFields(r));
                updates.add(BulkOperation.createUpdate(new JsonObject().put(ID, id), update, true, false));
            }
        });
        JsonArray ids = new JsonArray(new ArrayList<>(buckets.keySet()));
        return mongo.bulkWriteWithOptions(collection, updates, UNORDERED)
                .map(r -> (int) (r.getModifiedCount() + r.getUpserts().size()))
                // two writers creating the same bucket at once: the loser's upserts hit the winner's _id; the bulk
                // once more applies them to the bucket that now exists (the winner's count holds the others)
                .recover(e -> MongoSupport.isOnlyDuplicateKeys(e)
                        ? mongo.bulkWriteWithOptions(collection, updates, UNORDERED)
                        .map(r -> (int) (r.getModifiedCount() + r.getUpserts().size()) + MongoSupport.changedBefore(e))
                        : Future.failedFuture(e))
                .compose(changed -> mongo.findWithOptions(collection,
                                new JsonObject().put(ID, new JsonObject().put("$in", ids)),
                                new FindOptions().setFields(ONLY_READINGS))
                        .map(docs -> {
                            Map<String, JsonObject> totals = new LinkedHashMap<>();
                            docs.forEach(doc -> totals.put(doc.getString(ID),
                                    merged(doc, List.of()).totals()));
                            return new Merge(changed, totals);
                        }));
    }

    private static JsonObject bucketFields(MeterReading r) {
        long ms = r.timestamp().toEpochMilli();
        return new JsonObject()
                .put(DEVICE_ID, r.deviceId())
                .put(DAY, UsageBuckets.day(ms))
                .put(HOUR, UsageBuckets.hourOfDay(ms))
                .put(HOUR_START, MongoSupport.date(Instant.ofEpochMilli(UsageBuckets.hourStart(ms))));
    }

    /**
     * What merging readings into buckets did.
     *
     * @param newlyStored readings this write stored (or, with a larger copy, changed)
     * @param totals      per bucket id, its totals after the write, for {@code $max}
     */
    private record Merge(int newlyStored, Map<String, JsonObject> totals) {
    }

    /** One bucket after a write: the readings the write added and the bucket's totals. */
    private record Merged(int newlyStored, JsonObject totals) {
    }

    private Future<Merge> mergeReadings(String id, List<MeterReading> bucketReadings) {
        MeterReading first = bucketReadings.get(0);
        JsonObject max = new JsonObject();
        for (MeterReading r : bucketReadings) {
            max.put(UsageBucketSchema.reading(r.timestamp().toEpochMilli()), entry(r));
        }
        JsonObject update = new JsonObject()
                .put("$max", max)
                .put("$setOnInsert", bucketFields(first));
        JsonObject filter = new JsonObject().put(ID, id);
        return mongo.findOneAndUpdateWithOptions(collection, filter, update, new FindOptions().setFields(ONLY_READINGS),
                        UPSERT_RETURN_BEFORE)
                // two upserts of a new bucket racing: the loser's insert hits the winner's _id; once more finds it
                .recover(e -> MongoSupport.isDuplicateKey(e)
                        ? mongo.findOneAndUpdateWithOptions(collection, filter, update,
                        new FindOptions().setFields(ONLY_READINGS), UPSERT_RETURN_BEFORE)
                        : Future.failedFuture(e))
                .map(before -> {
                    Merged after = merged(before, bucketReadings);
                    return new Merge(after.newlyStored(), Map.of(id, after.totals()));
                });
    }

    /** Computes, from the bucket as it was before the write and the readings written, the bucket after it. */
    private static Merged merged(JsonObject before, List<MeterReading> written) {
        JsonObject stored = before == null ? new JsonObject() : before.getJsonObject(READINGS, new JsonObject());
        Map<Long, long[]> after = new HashMap<>();
        for (String ms : stored.fieldNames()) {
            JsonObject e = stored.getJsonObject(ms);
            after.put(Long.parseLong(ms),
                    new long[]{number(e, READING_USAGE), number(e, READING_SEQ), number(e, READING_INTERVAL)});
        }
        int newlyStored = 0;
        for (MeterReading r : written) {
            long[] mine = {r.usageMwh(), r.seq(), r.intervalSeconds()};
            long[] present = after.get(r.timestamp().toEpochMilli());
            if (present == null) {
                newlyStored++;
                after.put(r.timestamp().toEpochMilli(), mine);
            } else if (Arrays.compare(mine, present) > 0) {
                after.put(r.timestamp().toEpochMilli(), mine);
            }
        }
        long total = 0;
        Map<Integer, Long> quarters = new HashMap<>();
        for (Map.Entry<Long, long[]> e : after.entrySet()) {
            long mwh = e.getValue()[0];
            total += mwh;
            quarters.merge(UsageBuckets.quarterOfDay(e.getKey()), mwh, Long::sum);
        }
        JsonObject totals = new JsonObject().put(TOTAL, total).put(COUNT, (long) after.size());
        quarters.forEach((q, mwh) -> totals.put(UsageBucketSchema.quarter(q), mwh));
        return new Merged(newlyStored, totals);
    }

    /** Orders two copies of one reading as {@code $max} orders their stored documents: usage, seq, interval. */
    private static int compare(MeterReading a, MeterReading b) {
        return Arrays.compare(new long[]{a.usageMwh(), a.seq(), a.intervalSeconds()},
                new long[]{b.usageMwh(), b.seq(), b.intervalSeconds()});
    }

    /** The stored form of a reading; field order matters: {@code $max} compares documents field by field. */
    private static JsonObject entry(MeterReading r) {
        return new JsonObject()
                .put(READING_USAGE, r.usageMwh())
                .put(READING_SEQ, r.seq())
                .put(READING_INTERVAL, (long) r.intervalSeconds());
    }

    @Override
    public Future<List<UsageBucket>> usage(String deviceId, Instant from, Instant to, UsageStep step) {
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(step, "step");
        if (!from.isBefore(to)) {
            return Future.succeededFuture(List.of());
        }
        // a day bucket starting in [from, to) sums the hours of its whole day
        Instant last = step == UsageStep.DAY ? to.plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.DAYS) : to;
        return hourBuckets(deviceId, from, last, WITHOUT_READINGS)
                .map(docs -> toBuckets(docs, from, to, step))
                .recover(StoreUnavailableException::recover);
    }

    /**
     * The hour buckets of a device whose hour starts in {@code [from, to)}: by {@code _id} (an index lookup each, on
     * every store) for spans up to {@value #MAX_HOURS_BY_ID} hours, else by a range query on
     * {@code {deviceId, hourStart}} (indexed on MongoDB).
     */
    private Future<List<JsonObject>> hourBuckets(String deviceId, Instant from, Instant to, JsonObject fields) {
        long firstHour = Math.floorDiv(from.toEpochMilli(), HOUR_MS) * HOUR_MS;
        long hours = Math.max(0, Math.floorDiv(to.toEpochMilli() - 1 - firstHour, HOUR_MS) + 1);
        JsonObject query;
        if (hours <= MAX_HOURS_BY_ID) {
            JsonArray ids = new JsonArray(new ArrayList<>((int) hours));
            for (long h = firstHour; h < to.toEpochMilli(); h += HOUR_MS) {
                ids.add(bucketId(deviceId, h));
            }
            if (ids.isEmpty()) {
                return Future.succeededFuture(List.of());
            }
            query = new JsonObject().put(ID, new JsonObject().put("$in", ids));
        } else {
            query = new JsonObject()
                    .put(DEVICE_ID, deviceId)
                    .put(HOUR_START, new JsonObject()
                            .put("$gte", MongoSupport.date(Instant.ofEpochMilli(firstHour)))
                            .put("$lt", MongoSupport.date(to)));
        }
        return mongo.findWithOptions(collection, query, new FindOptions().setFields(fields));
    }

    private static List<UsageBucket> toBuckets(List<JsonObject> docs, Instant from, Instant to, UsageStep step) {
        Map<Instant, long[]> byStart = new java.util.TreeMap<>();
        for (JsonObject doc : docs) {
            long count = number(doc, COUNT);
            if (count <= 0) {
                continue;
            }
            Instant hourStart = MongoSupport.instant(doc.getValue(HOUR_START));
            Instant start = step == UsageStep.DAY ? hourStart.truncatedTo(ChronoUnit.DAYS) : hourStart;
            if (!inRange(start, from, to)) {
                continue;
            }
            long[] sums = byStart.computeIfAbsent(start, k -> new long[2]);
            sums[0] += number(doc, TOTAL);
            sums[1] += count;
        }
        List<UsageBucket> result = new ArrayList<>(byStart.size());
        byStart.forEach((start, sums) -> result.add(new UsageBucket(start, sums[0], sums[1])));
        return result;
    }

    /**
     * Reads the readings of the buckets that can hold a reading overlapping {@code [from, to)}. A reading is keyed by
     * the end of its interval and covers at most a day ({@code ingestion.maxIntervalSeconds} is capped at 86400), so
     * the hours from the one holding {@code from} to a day and an hour after {@code to} are enough.
     */
    @Override
    public Future<List<MeterReading>> readings(String deviceId, Instant from, Instant to) {
        Objects.requireNonNull(deviceId, "deviceId");
        Instant afterLast = to.plus(Duration.ofDays(1)).plus(Duration.ofHours(1));
        return hourBuckets(deviceId, from, afterLast, ONLY_READINGS).map(docs -> {
            List<MeterReading> result = new ArrayList<>();
            for (JsonObject doc : docs) {
                JsonObject readings = doc.getJsonObject(READINGS, new JsonObject());
                for (String ms : readings.fieldNames()) {
                    JsonObject r = readings.getJsonObject(ms);
                    result.add(new MeterReading(deviceId, Instant.ofEpochMilli(Long.parseLong(ms)),
                            number(r, READING_USAGE), number(r, READING_SEQ), (int) number(r, READING_INTERVAL)));
                }
            }
            return result;
        });
    }

    /** Reads the hour buckets of those days without their readings: the totals the cache copies after a store. */
    @Override
    public Future<List<BucketTotals>> totals(Set<DeviceDay> days) {
        if (days.isEmpty()) {
            return Future.succeededFuture(List.of());
        }
        JsonArray ids = new JsonArray(new ArrayList<>(days.size() * 24));
        for (DeviceDay d : days) {
            long dayStart = UsageBuckets.startOfDay(d.day()).toEpochMilli();
            for (int h = 0; h < 24; h++) {
                ids.add(bucketId(d.deviceId(), dayStart + h * HOUR_MS));
            }
        }
        JsonObject query = new JsonObject().put(ID, new JsonObject().put("$in", ids));
        return mongo.findWithOptions(collection, query, new FindOptions().setFields(WITHOUT_READINGS))
                .map(MongoReadingStore::toTotals);
    }

    /** Distinct device ids of the day's buckets (the {@code day} index serves the filter). */
    @Override
    public Future<List<String>> devices(String day) {
        return mongo.distinctWithQuery(collection, DEVICE_ID, String.class.getName(), new JsonObject().put(DAY, day))
                .map(ids -> ids.stream().map(String::valueOf).toList());
    }

    private static List<BucketTotals> toTotals(List<JsonObject> docs) {
        Map<DeviceDay, long[]> sums = new LinkedHashMap<>();
        Map<DeviceDay, Map<Integer, Long>> hours = new HashMap<>();
        for (JsonObject doc : docs) {
            DeviceDay key = new DeviceDay(doc.getString(DEVICE_ID), doc.getString(DAY));
            long[] s = sums.computeIfAbsent(key, k -> new long[2]);
            long total = number(doc, TOTAL);
            s[0] += total;
            s[1] += number(doc, COUNT);
            int hour = doc.getInteger(HOUR, 0);
            hours.computeIfAbsent(key, k -> new java.util.TreeMap<>()).put(hour, total);
        }
        List<BucketTotals> result = new ArrayList<>(sums.size());
        sums.forEach((d, s) -> result.add(new BucketTotals(d.deviceId(), d.day(), s[0], s[1], hours.get(d))));
        return result;
    }

    private static boolean inRange(Instant start, Instant from, Instant to) {
        return !start.isBefore(from) && start.isBefore(to);
    }

    private static long number(JsonObject json, String key) {
        Number n = json.getNumber(key);
        return n == null ? 0L : n.longValue();
    }
}
