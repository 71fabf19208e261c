package org.smartenergy.platform.billing;

import org.smartenergy.platform.storage.MongoSupport;
import org.smartenergy.platform.storage.StoreUnavailableException;
import org.smartenergy.platform.storage.UsageBucketSchema;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
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
 * {@link ReadingStore} on MongoDB with the bucket pattern: per device and UTC hour, one small hour document with the
 * hour's totals (collection {@code billing.readingsCollection}) and one readings document with the hour's readings
 * (collection {@code <billing.readingsCollection>_readings}), laid out as {@link UsageBucketSchema} describes. Writes
 * are {@link HourBucketWriter}'s; every read addresses documents by {@code _id} (or, for long spans, a range on
 * {@code {deviceId, hourStart}}), and totals are read without touching the readings.
 *
 * <p>The write concern comes from the connection string (see {@link MongoSettings}); a {@link #store} future
 * succeeds only after all its writes are acknowledged under it.
 */
public final class MongoReadingStore implements ReadingStore, UsageTotalsSource, PeriodReadings {

    private static final Logger LOG = LoggerFactory.getLogger(MongoReadingStore.class);
    private static final JsonObject ONLY_READINGS = new JsonObject().put(READINGS, 1);
    /** A bucket receiving fewer readings of a batch than this goes into the batch's bulk write. */
    static final int MIN_READINGS_FOR_FIND_AND_MODIFY = HourBucketWriter.MIN_READINGS_FOR_FIND_AND_MODIFY;
    /** Above this many hours a usage query is a range query on {@code {deviceId, hourStart}} instead of ids. */
    static final int MAX_HOURS_BY_ID = 2_000;
    private static final long HOUR_MS = 3_600_000L;

    private final MongoClient mongo;
    private final String collection;
    private final String readingsCollection;
    private final HourBucketWriter writer;

    /**
     * @param mongo      the client (the write concern of its connection string applies to every write)
     * @param collection the hour collection, {@code billing.readingsCollection}; the readings go into
     *                   {@link UsageBucketSchema#readingsCollection} of it
     */
    public MongoReadingStore(MongoClient mongo, String collection) {
        this.mongo = Objects.requireNonNull(mongo, "mongo");
        this.collection = Objects.requireNonNull(collection, "collection");
        this.readingsCollection = UsageBucketSchema.readingsCollection(collection);
        this.writer = new HourBucketWriter(mongo, collection, readingsCollection);
    }

    /** @return the bucket id of a device and the UTC hour starting at {@code hourStart} (epoch ms) */
    public static String bucketId(String deviceId, long hourStart) {
        return UsageBucketSchema.id(deviceId, hourStart);
    }

    @Override
    public Future<Void> init() {
        // range queries by device (long spans) and the analytics $match on the day; the embedded stand-in
        // ignores non-unique indexes, every hot path addresses documents by _id
        return mongo.createIndexWithOptions(collection, new JsonObject().put(DEVICE_ID, 1).put(HOUR_START, 1),
                        new IndexOptions().name("deviceId_hourStart"))
                .compose(v -> mongo.createIndexWithOptions(collection, new JsonObject().put(DAY, 1),
                        new IndexOptions().name("day")))
                .compose(v -> mongo.createIndexWithOptions(readingsCollection,
                        new JsonObject().put(DEVICE_ID, 1).put(HOUR_START, 1),
                        new IndexOptions().name("deviceId_hourStart")));
    }

    @Override
    public Future<StoreResult> store(List<MeterReading> readings) {
        return writer.store(readings)
                .onFailure(e -> LOG.debug("store failed [readings: {}]: {}", readings.size(), e.toString()));
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
        return hourBuckets(collection, deviceId, from, last, null)
                .map(docs -> toBuckets(docs, from, to, step))
                .recover(StoreUnavailableException::recover);
    }

    /**
     * The hour buckets of a device whose hour starts in {@code [from, to)}: by {@code _id} (an index lookup each, on
     * every store) for spans up to {@value #MAX_HOURS_BY_ID} hours, else by a range query on
     * {@code {deviceId, hourStart}} (indexed on MongoDB).
     */
    private Future<List<JsonObject>> hourBuckets(String in, String deviceId, Instant from, Instant to,
                                                 JsonObject fields) {
        long firstHour = Math.floorDiv(from.toEpochMilli(), HOUR_MS) * HOUR_MS;
        long hours = Math.max(0, Math.floorDiv(to.toEpochMilli() - 1 - firstHour, HOUR_MS) + 1);
        if (hours <= MAX_HOURS_BY_ID) {
            List<String> ids = new ArrayList<>((int) hours);
            for (long h = firstHour; h < to.toEpochMilli(); h += HOUR_MS) {
                ids.add(bucketId(deviceId, h));
            }
            return MongoSupport.findByIds(mongo, in, ids, fields);
        }
        JsonObject query = new JsonObject()
                .put(DEVICE_ID, deviceId)
                .put(HOUR_START, new JsonObject()
                        .put("$gte", MongoSupport.date(Instant.ofEpochMilli(firstHour)))
                        .put("$lt", MongoSupport.date(to)));
        return fields == null ? mongo.find(in, query) : mongo.findWithOptions(in, query, new FindOptions().setFields(fields));
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
        return hourBuckets(readingsCollection, deviceId, from, afterLast, ONLY_READINGS).map(docs -> {
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

    /**
     * Reads the hour buckets of those days without their readings: the totals the cache copies after a store (by
     * {@code _id}, {@link MongoSupport#findByIds}).
     */
    @Override
    public Future<List<BucketTotals>> totals(Set<DeviceDay> days) {
        List<String> ids = new ArrayList<>(days.size() * 24);
        for (DeviceDay d : days) {
            long dayStart = UsageBuckets.startOfDay(d.day()).toEpochMilli();
            for (int h = 0; h < 24; h++) {
                ids.add(bucketId(d.deviceId(), dayStart + h * HOUR_MS));
            }
        }
        return MongoSupport.findByIds(mongo, collection, ids, null).map(MongoReadingStore::toTotals);
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
