package org.smartenergy.platform.billing;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;
import org.smartenergy.platform.billing.ReadingStore.StoreResult;
import org.smartenergy.platform.domain.MeterReading;
import org.smartenergy.platform.domain.UsageBuckets;
import org.smartenergy.platform.storage.MongoSupport;
import org.smartenergy.platform.storage.UsageBucketSchema;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.smartenergy.platform.storage.UsageBucketSchema.COUNT;
import static org.smartenergy.platform.storage.UsageBucketSchema.LATEST;
import static org.smartenergy.platform.storage.UsageBucketSchema.LATEST_END;
import static org.smartenergy.platform.storage.UsageBucketSchema.LATEST_INTERVAL;
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
 * The write path of {@link MongoReadingStore}: merges a batch into the hour reading documents (collection
 * {@code <billing.readingsCollection>_readings}) and then writes each touched hour's totals into its small hour
 * document (collection {@code billing.readingsCollection}), both addressed by {@code _id} alone.
 *
 * <p>A batch costs, per hour receiving several of its readings, one
 * {@code findOneAndUpdate({_id}, {$max: {"readings.<ms>": {e, s, i}, ...}, $setOnInsert: {...}}, upsert, before)}
 * (an hour this writer has not seen yet is first offered whole with {@code $setOnInsert}, see
 * {@link #mergeReadings});
 * for the hours receiving one or two, together, one unordered bulk of per-reading {@code $max} updates and one
 * {@code find} by {@code _id} ({@link #mergeSparse}); then one unordered bulk of
 * {@code updateOne({_id}, {$max: {total, count, "quarters.QQ", latest}, $setOnInsert: {...}}, upsert)} on the hour
 * documents.
 * Keeping the totals out of the readings document means neither the totals write nor the totals reads (usage, cache,
 * analytics) copy an hour's readings.
 *
 * <p>Why this is exact and idempotent without a guard query:
 * <ul>
 *   <li>The readings map only ever grows, and {@code $max} merges a reading into it: absent, it is added; present,
 *       the larger of the two (compared as BSON documents: usage, then seq, then interval) stays. The merge is
 *       commutative and idempotent, so redeliveries, resends and two billing nodes writing the same hour at once
 *       all end in the same document, whatever the order.</li>
 *   <li>The document returned by the atomic {@code findOneAndUpdate} is the state just before this write, so the
 *       readings absent from it are exactly the ones this write stored (counted once, cluster-wide), and the
 *       state just after it is known without another read: its totals are computed here from all its readings.</li>
 *   <li>Totals (each a sum of non-negative per-reading values over a growing map) only grow from state to state, so
 *       writing them with {@code $max} keeps the totals of the latest state any writer computed; the writer of the
 *       last state writes last, so totals end equal to the readings. A crash between the two steps leaves the
 *       readings stored and the hour document behind (or absent); the redelivered batch recomputes and repairs it.</li>
 * </ul>
 */
final class HourBucketWriter {

    private static final BulkWriteOptions UNORDERED = new BulkWriteOptions(false);
    private static final JsonObject ONLY_READINGS = new JsonObject().put(READINGS, 1);
    private static final UpdateOptions UPSERT_RETURN_BEFORE = new UpdateOptions().setUpsert(true)
            .setReturningNewDocument(false);
    /** An hour receiving fewer readings of a batch than this goes into the batch's bulk write (see mergeSparse). */
    static final int MIN_READINGS_FOR_FIND_AND_MODIFY = 3;

    /** How many hour ids {@link #knownHours} remembers (about 100 bytes each). */
    static final int KNOWN_HOURS_MAX = 100_000;

    private final MongoClient mongo;
    private final String hours;
    private final String readings;
    /**
     * Readings documents this writer has seen exist (written or found), least recently used dropped first: a hint
     * which first write to try, never a reason to skip one (see {@link #mergeReadings}).
     */
    private final Map<String, Boolean> knownHours = Collections.synchronizedMap(
            new LinkedHashMap<>(1024, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > KNOWN_HOURS_MAX;
                }
            });

    /**
     * @param hours    the hour (totals) collection, {@code billing.readingsCollection}
     * @param readings the hour readings collection, {@link UsageBucketSchema#readingsCollection}
     */
    HourBucketWriter(MongoClient mongo, String hours, String readings) {
        this.mongo = mongo;
        this.hours = hours;
        this.readings = readings;
    }

    Future<StoreResult> store(List<MeterReading> batch) {
        // the same reading twice in one call: keep the largest, as the merge in MongoDB would
        Map<MeterReading.ReadingKey, MeterReading> distinct = new LinkedHashMap<>();
        for (MeterReading r : batch) {
            distinct.merge(r.key(), r, (a, b) -> compare(a, b) >= 0 ? a : b);
        }
        int repeatedInCall = batch.size() - distinct.size();
        if (distinct.isEmpty()) {
            return Future.succeededFuture(new StoreResult(0, repeatedInCall));
        }
        Map<String, List<MeterReading>> byBucket = new LinkedHashMap<>();
        for (MeterReading r : distinct.values()) {
            long hourStart = UsageBuckets.hourStart(r.timestamp().toEpochMilli());
            byBucket.computeIfAbsent(UsageBucketSchema.id(r.deviceId(), hourStart), k -> new ArrayList<>()).add(r);
        }
        // an hour receiving several readings costs one findOneAndUpdate for all of them; hours receiving one or two
        // (a fleet of loggers, each sending now and then) go together in one bulk write of one update per reading
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
        return Future.all(writes).compose(all -> {
            List<BulkOperation> totals = new ArrayList<>(byBucket.size());
            int stored = 0;
            for (Future<Merge> f : writes) {
                stored += f.result().newlyStored();
                f.result().totals().forEach((id, bucketTotals) -> totals.add(BulkOperation.createUpdate(
                        new JsonObject().put(ID, id),
                        new JsonObject().put("$max", bucketTotals)
                                .put("$setOnInsert", hourFields(byBucket.get(id).get(0))),
                        true, false)));
            }
            int newlyStored = stored;
            return upsertAll(hours, totals)
                    .map(changed -> new StoreResult(newlyStored, repeatedInCall + distinctCount - newlyStored));
        });
    }

    /**
     * One unordered bulk of upserts. Two writers creating the same document at once: the loser's upsert hits the
     * winner's {@code _id}; the bulk is applied once more to the documents that now exist (updates by {@code $max}
     * are idempotent, so the writes that went through are not changed again).
     *
     * @return the documents modified or upserted (by this call's writes, the repeat included)
     */
    private Future<Integer> upsertAll(String collection, List<BulkOperation> updates) {
        return mongo.bulkWriteWithOptions(collection, updates, UNORDERED)
                .map(r -> (int) (r.getModifiedCount() + r.getUpserts().size()))
                .recover(e -> MongoSupport.isOnlyDuplicateKeys(e)
                        ? mongo.bulkWriteWithOptions(collection, updates, UNORDERED)
                        .map(r -> (int) (r.getModifiedCount() + r.getUpserts().size()) + MongoSupport.changedBefore(e))
                        : Future.failedFuture(e));
    }

    /**
     * Merges the readings of hours that receive only one or two of them: one unordered bulk of
     * {@code updateOne({_id}, {$max: {"readings.<ms>": ...}, $setOnInsert: ...}, upsert)} per reading, whose
     * modified and upserted counts are the readings this write changed (each update is atomic, so a reading two
     * writers store at once is counted by one of them), then one {@code find} by {@code _id} of those hours: the
     * state after the write, from which their totals are computed like {@link #merged}'s. (The last writer of an
     * hour reads after its own write, so it sees the final state and its totals win the {@code $max}.)
     */
    private Future<Merge> mergeSparse(Map<String, List<MeterReading>> buckets) {
        List<BulkOperation> updates = new ArrayList<>();
        buckets.forEach((id, bucketReadings) -> {
            for (MeterReading r : bucketReadings) {
                JsonObject update = new JsonObject()
                        .put("$max", new JsonObject()
                                .put(UsageBucketSchema.reading(r.timestamp().toEpochMilli()), entry(r)))
                        .put("$setOnInsert", readingsFields(r));
                updates.add(BulkOperation.createUpdate(new JsonObject().put(ID, id), update, true, false));
            }
        });
        List<String> ids = new ArrayList<>(buckets.keySet());
        return upsertAll(readings, updates)
                .compose(changed -> MongoSupport.findByIds(mongo, readings, ids, ONLY_READINGS)
                        .map(docs -> {
                            Map<String, JsonObject> totals = new LinkedHashMap<>();
                            docs.forEach(doc -> totals.put(doc.getString(ID), merged(doc, List.of()).totals()));
                            return new Merge(changed, totals);
                        }));
    }

    /**
     * Merges several readings into one hour's readings document. An hour this writer has not seen yet is usually new
     * (a logger's next hour, a back-fill): it is first offered whole, as
     * {@code findOneAndUpdate({_id}, {$setOnInsert: {deviceId, hourStart, readings: {...}}}, upsert, before)}, one
     * field written however many readings (inside the embedded stand-in every dotted {@code $max} path costs four
     * regular expressions and a path walk). No document before: this write created it with exactly these readings.
     * A document before (the hour existed, or another writer created it meanwhile): {@code $setOnInsert} changed
     * nothing, and the readings it lacks or holds smaller copies of are merged by {@link #mergeByMax}; none: all were
     * duplicates, and the totals come from the document as found. An hour known to exist goes to
     * {@link #mergeByMax} at once. Either way the outcome is the same document; the hint only saves a round trip.
     */
    private Future<Merge> mergeReadings(String id, List<MeterReading> bucketReadings) {
        if (knownHours.containsKey(id)) {
            return mergeByMax(id, bucketReadings);
        }
        JsonObject all = new JsonObject();
        for (MeterReading r : bucketReadings) {
            all.put(String.valueOf(r.timestamp().toEpochMilli()), entry(r));
        }
        JsonObject update = new JsonObject()
                .put("$setOnInsert", readingsFields(bucketReadings.get(0)).put(READINGS, all));
        return upsertReturningBefore(id, update)
                .compose(before -> {
                    knownHours.put(id, Boolean.TRUE);
                    if (before == null) {
                        Merged created = merged(null, bucketReadings);
                        return Future.succeededFuture(new Merge(created.newlyStored(), Map.of(id, created.totals())));
                    }
                    List<MeterReading> missing = notIn(before, bucketReadings);
                    if (missing.isEmpty()) {
                        return Future.succeededFuture(new Merge(0, Map.of(id, merged(before, List.of()).totals())));
                    }
                    return mergeByMax(id, missing);
                });
    }

    /** The readings absent from the readings document {@code doc}, or larger than its copy of them. */
    private static List<MeterReading> notIn(JsonObject doc, List<MeterReading> candidates) {
        JsonObject stored = doc.getJsonObject(READINGS, new JsonObject());
        List<MeterReading> missing = new ArrayList<>();
        for (MeterReading r : candidates) {
            JsonObject present = stored.getJsonObject(String.valueOf(r.timestamp().toEpochMilli()));
            if (present == null || Arrays.compare(order(r), order(present)) > 0) {
                missing.add(r);
            }
        }
        return missing;
    }

    /**
     * {@code findOneAndUpdate({_id}, {$max: {"readings.<ms>": {e, s, i}, ...}, $setOnInsert: {...}}, upsert,
     * before)}: merges the readings, adding the absent ones and raising smaller copies; the document before tells
     * which this write stored.
     */
    private Future<Merge> mergeByMax(String id, List<MeterReading> bucketReadings) {
        JsonObject max = new JsonObject();
        for (MeterReading r : bucketReadings) {
            max.put(UsageBucketSchema.reading(r.timestamp().toEpochMilli()), entry(r));
        }
        JsonObject update = new JsonObject()
                .put("$max", max)
                .put("$setOnInsert", readingsFields(bucketReadings.get(0)));
        return upsertReturningBefore(id, update)
                .map(before -> {
                    knownHours.put(id, Boolean.TRUE);
                    Merged after = merged(before, bucketReadings);
                    return new Merge(after.newlyStored(), Map.of(id, after.totals()));
                });
    }

    /**
     * {@code findOneAndUpdate({_id: id}, update, upsert, returnDocument before, projection readings)} on the hour's
     * readings document. Two upserts of a new hour racing: the loser's insert hits the winner's {@code _id}; once
     * more finds the winner's document.
     *
     * @return the readings document before the write, or null if this write created it
     */
    private Future<JsonObject> upsertReturningBefore(String id, JsonObject update) {
        JsonObject filter = new JsonObject().put(ID, id);
        FindOptions fields = new FindOptions().setFields(ONLY_READINGS);
        return mongo.findOneAndUpdateWithOptions(readings, filter, update, fields, UPSERT_RETURN_BEFORE)
                .recover(e -> MongoSupport.isDuplicateKey(e)
                        ? mongo.findOneAndUpdateWithOptions(readings, filter, update, fields, UPSERT_RETURN_BEFORE)
                        : Future.failedFuture(e));
    }

    /** Computes, from the readings document as it was before the write and the readings written, its totals after. */
    private static Merged merged(JsonObject before, List<MeterReading> written) {
        JsonObject stored = before == null ? new JsonObject() : before.getJsonObject(READINGS, new JsonObject());
        Map<Long, long[]> after = new HashMap<>();
        for (String ms : stored.fieldNames()) {
            JsonObject e = stored.getJsonObject(ms);
            after.put(Long.parseLong(ms),
                    order(e));
        }
        int newlyStored = 0;
        for (MeterReading r : written) {
            long[] mine = order(r);
            long[] present = after.get(r.timestamp().toEpochMilli());
            if (present == null) {
                newlyStored++;
                after.put(r.timestamp().toEpochMilli(), mine);
            } else if (Arrays.compare(mine, present) > 0) {
                after.put(r.timestamp().toEpochMilli(), mine);
            }
        }
        long total = 0;
        long latestEnd = Long.MIN_VALUE;
        long latestInterval = 0;
        Map<Integer, Long> quarters = new HashMap<>();
        for (Map.Entry<Long, long[]> e : after.entrySet()) {
            long mwh = e.getValue()[0];
            total += mwh;
            quarters.merge(UsageBuckets.quarterOfDay(e.getKey()), mwh, Long::sum);
            if (e.getKey() > latestEnd) {
                latestEnd = e.getKey();
                latestInterval = e.getValue()[2];
            }
        }
        JsonObject totals = new JsonObject().put(TOTAL, total).put(COUNT, (long) after.size());
        quarters.forEach((q, mwh) -> totals.put(UsageBucketSchema.quarter(q), mwh));
        if (!after.isEmpty()) {
            // field order matters: $max compares the end first
            totals.put(LATEST, new JsonObject().put(LATEST_END, latestEnd).put(LATEST_INTERVAL, latestInterval));
        }
        return new Merged(newlyStored, totals);
    }

    /** The fields a readings document is created with: its device and hour (for range reads over long spans). */
    private static JsonObject readingsFields(MeterReading r) {
        long ms = r.timestamp().toEpochMilli();
        return new JsonObject()
                .put(DEVICE_ID, r.deviceId())
                .put(HOUR_START, MongoSupport.date(Instant.ofEpochMilli(UsageBuckets.hourStart(ms))));
    }

    /** The fields an hour document is created with. */
    private static JsonObject hourFields(MeterReading r) {
        long ms = r.timestamp().toEpochMilli();
        return new JsonObject()
                .put(DEVICE_ID, r.deviceId())
                .put(DAY, UsageBuckets.day(ms))
                .put(HOUR, UsageBuckets.hourOfDay(ms))
                .put(HOUR_START, MongoSupport.date(Instant.ofEpochMilli(UsageBuckets.hourStart(ms))));
    }

    /** Orders two copies of one reading as {@code $max} orders their stored documents: usage, seq, interval. */
    private static int compare(MeterReading a, MeterReading b) {
        return Arrays.compare(order(a), order(b));
    }

    /** A reading's fields in the order {@code $max} compares its stored document: usage, seq, interval. */
    private static long[] order(MeterReading r) {
        return new long[]{r.usageMwh(), r.seq(), r.intervalSeconds()};
    }

    /** A stored reading ({@code {e, s, i}}) in the same order. */
    private static long[] order(JsonObject stored) {
        return new long[]{number(stored, READING_USAGE), number(stored, READING_SEQ), number(stored, READING_INTERVAL)};
    }

    /** The stored form of a reading; field order matters: {@code $max} compares documents field by field. */
    private static JsonObject entry(MeterReading r) {
        return new JsonObject()
                .put(READING_USAGE, r.usageMwh())
                .put(READING_SEQ, r.seq())
                .put(READING_INTERVAL, (long) r.intervalSeconds());
    }

    static long number(JsonObject json, String key) {
        Number n = json.getNumber(key);
        return n == null ? 0L : n.longValue();
    }

    /**
     * What merging readings into hours did.
     *
     * @param newlyStored readings this write stored (or, with a larger copy, changed)
     * @param totals      per hour id, its totals after the write, for {@code $max}
     */
    private record Merge(int newlyStored, Map<String, JsonObject> totals) {
    }

    /** One hour after a write: the readings the write added and the hour's totals. */
    private record Merged(int newlyStored, JsonObject totals) {
    }
}
