package org.smartenergy.platform.billing;

import org.smartenergy.platform.storage.MongoSupport;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;
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
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * {@link ReadingStore} on MongoDB with the bucket pattern: one document per device and UTC day.
 *
 * <pre>
 * { _id: "meter-1|2026-11-27", deviceId: "meter-1", day: "2026-11-27", dayStart: ISODate(...),
 *   readings: { "1764201600000": { e: 250000, s: 42, i: 900 }, ... },
 *   hours: { "09": 250000, ... }, hourCounts: { "09": 1, ... }, quarters: { "36": 250000, ... },
 *   total: 250000, count: 1 }
 * (quarters: energy per UTC quarter hour 00-95 of the day, for platform-wide demand analytics)
 * </pre>
 *
 * <p>Idempotency and exact totals come from one atomic single-document update per reading: the filter
 * {@code {_id, "readings.<ms>": {$exists: false}}} matches only while the reading is absent, and the same update
 * {@code $set}s the reading and {@code $inc}s the totals. A redelivered reading matches nothing and changes nothing,
 * so totals always equal the sum of the distinct readings (a blind {@code $inc} would double-count). The bucket is
 * created beforehand by an upsert on {@code _id} with {@code $setOnInsert}; a duplicate-key error from two such
 * upserts racing only means the bucket exists.
 *
 * <p>The write concern comes from the connection string (see {@link MongoSettings}); a {@link #store} future
 * succeeds only after all its writes are acknowledged under it.
 */
public final class MongoReadingStore implements ReadingStore, UsageTotalsSource, PeriodReadings {

    private static final Logger LOG = LoggerFactory.getLogger(MongoReadingStore.class);
    private static final BulkWriteOptions UNORDERED = new BulkWriteOptions(false);
    private static final JsonObject WITHOUT_READINGS = new JsonObject().put("readings", 0);

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

    /** @return the bucket id of a device and UTC day */
    public static String bucketId(String deviceId, String day) {
        return deviceId + "|" + day;
    }

    @Override
    public Future<Void> init() {
        return mongo.createIndexWithOptions(collection, new JsonObject().put("deviceId", 1).put("dayStart", 1),
                new IndexOptions().name("deviceId_dayStart"));
    }

    @Override
    public Future<StoreResult> store(List<MeterReading> readings) {
        // the same reading twice in one call: keep the first, count the rest as duplicates without a round trip
        Map<MeterReading.ReadingKey, MeterReading> distinct = new LinkedHashMap<>();
        for (MeterReading r : readings) {
            distinct.putIfAbsent(r.key(), r);
        }
        int repeatedInCall = readings.size() - distinct.size();
        if (distinct.isEmpty()) {
            return Future.succeededFuture(new StoreResult(0, repeatedInCall));
        }
        List<BulkOperation> bucketUpserts = new ArrayList<>();
        Set<String> buckets = new HashSet<>();
        List<BulkOperation> readingUpdates = new ArrayList<>(distinct.size());
        for (MeterReading r : distinct.values()) {
            long ms = r.timestamp().toEpochMilli();
            String day = UsageBuckets.day(ms);
            String id = bucketId(r.deviceId(), day);
            if (buckets.add(id)) {
                bucketUpserts.add(ensureBucket(id, r.deviceId(), day));
            }
            readingUpdates.add(addReading(id, r));
        }
        int distinctCount = distinct.size();
        return mongo.bulkWriteWithOptions(collection, bucketUpserts, UNORDERED)
                .<Void>mapEmpty()
                .recover(MongoReadingStore::bucketExistsIsSuccess)
                // only after every bucket exists: an unordered bulk may run its operations in any order
                .compose(v -> mongo.bulkWriteWithOptions(collection, readingUpdates, UNORDERED))
                .map(result -> {
                    int stored = (int) result.getMatchedCount();
                    return new StoreResult(stored, repeatedInCall + distinctCount - stored);
                })
                .onFailure(e -> LOG.debug("store failed [readings: {}]: {}", readings.size(), e.toString()));
    }

    private static BulkOperation ensureBucket(String id, String deviceId, String day) {
        JsonObject onInsert = new JsonObject()
                .put("deviceId", deviceId)
                .put("day", day)
                .put("dayStart", MongoSupport.date(UsageBuckets.startOfDay(day)))
                .put("total", 0L)
                .put("count", 0L);
        return BulkOperation.createUpdate(new JsonObject().put("_id", id),
                new JsonObject().put("$setOnInsert", onInsert), true, false);
    }

    private static BulkOperation addReading(String id, MeterReading r) {
        String ms = Long.toString(r.timestamp().toEpochMilli());
        String hour = twoDigits(UsageBuckets.hourOfDay(r.timestamp().toEpochMilli()));
        JsonObject filter = new JsonObject()
                .put("_id", id)
                .put("readings." + ms, new JsonObject().put("$exists", false));
        JsonObject update = new JsonObject()
                .put("$set", new JsonObject().put("readings." + ms, new JsonObject()
                        .put("e", r.usageMwh())
                        .put("s", r.seq())
                        .put("i", r.intervalSeconds())))
                .put("$inc", new JsonObject()
                        .put("total", r.usageMwh())
                        .put("count", 1L)
                        .put("hours." + hour, r.usageMwh())
                        .put("hourCounts." + hour, 1L)
                        .put("quarters." + twoDigits(UsageBuckets.quarterOfDay(r.timestamp().toEpochMilli())),
                                r.usageMwh()));
        return BulkOperation.createUpdate(filter, update, false, false);
    }

    /**
     * Maps the outcome of the bucket upserts: duplicate-key errors (two writers creating the same bucket at once)
     * mean the bucket exists, which is all that was asked; anything else is a real failure.
     */
    private static Future<Void> bucketExistsIsSuccess(Throwable failure) {
        if (MongoSupport.isOnlyDuplicateKeys(failure)) {
            return Future.succeededFuture();
        }
        return Future.failedFuture(failure);
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
        Instant firstDay = from.truncatedTo(ChronoUnit.DAYS);
        JsonObject query = new JsonObject()
                .put("deviceId", deviceId)
                .put("dayStart", new JsonObject().put("$gte", MongoSupport.date(firstDay)).put("$lt", MongoSupport.date(to)));
        FindOptions options = new FindOptions().setFields(WITHOUT_READINGS).setSort(new JsonObject().put("dayStart", 1));
        return mongo.findWithOptions(collection, query, options)
                .map(docs -> toBuckets(docs, from, to, step));
    }

    private static List<UsageBucket> toBuckets(List<JsonObject> docs, Instant from, Instant to, UsageStep step) {
        List<UsageBucket> result = new ArrayList<>();
        for (JsonObject doc : docs) {
            Instant dayStart = UsageBuckets.startOfDay(doc.getString("day"));
            if (step == UsageStep.DAY) {
                long count = number(doc, "count");
                if (count > 0 && inRange(dayStart, from, to)) {
                    result.add(new UsageBucket(dayStart, number(doc, "total"), count));
                }
                continue;
            }
            JsonObject hours = doc.getJsonObject("hours", new JsonObject());
            JsonObject hourCounts = doc.getJsonObject("hourCounts", new JsonObject());
            for (int h = 0; h < 24; h++) {
                String hh = twoDigits(h);
                long count = number(hourCounts, hh);
                Instant hourStart = dayStart.plus(Duration.ofHours(h));
                if (count > 0 && inRange(hourStart, from, to)) {
                    result.add(new UsageBucket(hourStart, number(hours, hh), count));
                }
            }
        }
        result.sort(Comparator.comparing(UsageBucket::start));
        return result;
    }

    /**
     * Reads the readings of the buckets that can hold a reading overlapping {@code [from, to)}. A reading is keyed by
     * the end of its interval and covers at most a day ({@code ingestion.maxIntervalSeconds} is capped at 86400), so
     * the buckets from the UTC day of {@code from} to the UTC day of {@code to} plus one day are enough.
     */
    @Override
    public Future<List<MeterReading>> readings(String deviceId, Instant from, Instant to) {
        Objects.requireNonNull(deviceId, "deviceId");
        Instant firstDay = from.truncatedTo(ChronoUnit.DAYS);
        Instant afterLastDay = to.plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.DAYS).plus(Duration.ofDays(1));
        JsonObject query = new JsonObject()
                .put("deviceId", deviceId)
                .put("dayStart", new JsonObject().put("$gte", MongoSupport.date(firstDay)).put("$lt", MongoSupport.date(afterLastDay)));
        FindOptions options = new FindOptions().setFields(new JsonObject().put("readings", 1).put("deviceId", 1));
        return mongo.findWithOptions(collection, query, options).map(docs -> {
            List<MeterReading> result = new ArrayList<>();
            for (JsonObject doc : docs) {
                JsonObject readings = doc.getJsonObject("readings", new JsonObject());
                for (String ms : readings.fieldNames()) {
                    JsonObject r = readings.getJsonObject(ms);
                    result.add(new MeterReading(deviceId, Instant.ofEpochMilli(Long.parseLong(ms)), number(r, "e"),
                            number(r, "s"), (int) number(r, "i")));
                }
            }
            return result;
        });
    }

    /** Reads the buckets without their readings: the totals the cache copies after a store. */
    @Override
    public Future<List<BucketTotals>> totals(Set<DeviceDay> days) {
        if (days.isEmpty()) {
            return Future.succeededFuture(List.of());
        }
        JsonArray ids = new JsonArray(new ArrayList<>(days.size()));
        days.forEach(d -> ids.add(bucketId(d.deviceId(), d.day())));
        JsonObject query = new JsonObject().put("_id", new JsonObject().put("$in", ids));
        return mongo.findWithOptions(collection, query, new FindOptions().setFields(WITHOUT_READINGS))
                .map(docs -> docs.stream().map(MongoReadingStore::toTotals).toList());
    }

    private static BucketTotals toTotals(JsonObject doc) {
        JsonObject hours = doc.getJsonObject("hours", new JsonObject());
        Map<Integer, Long> byHour = new LinkedHashMap<>();
        for (int h = 0; h < 24; h++) {
            String hh = twoDigits(h);
            if (hours.containsKey(hh)) {
                byHour.put(h, number(hours, hh));
            }
        }
        return new BucketTotals(doc.getString("deviceId"), doc.getString("day"), number(doc, "total"),
                number(doc, "count"), byHour);
    }

    private static boolean inRange(Instant start, Instant from, Instant to) {
        return !start.isBefore(from) && start.isBefore(to);
    }

    private static long number(JsonObject json, String key) {
        Number n = json.getNumber(key);
        return n == null ? 0L : n.longValue();
    }

    private static String twoDigits(int hour) {
        return hour < 10 ? "0" + hour : Integer.toString(hour);
    }
}
