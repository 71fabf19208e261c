package org.smartenergy.platform.analytics;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import org.smartenergy.platform.storage.MongoSupport;
import org.smartenergy.platform.storage.UsageBucketSchema;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.smartenergy.platform.storage.UsageBucketSchema.HOUR_START;
import static org.smartenergy.platform.storage.UsageBucketSchema.DEVICE_ID;
import static org.smartenergy.platform.storage.UsageBucketSchema.READINGS;
import static org.smartenergy.platform.storage.UsageBucketSchema.READING_INTERVAL;
import static org.smartenergy.platform.storage.UsageBucketSchema.ref;

/**
 * Counts the meters that stopped reporting, from billing's hour buckets ({@link UsageBucketSchema}): among the
 * devices with a reading stored for today or yesterday (UTC), those whose latest reading ended more than
 * {@code silentAfterIntervals} of its own interval ago. Each reading gives a deadline, its end plus that many
 * intervals; a device is silent once its latest deadline has passed, so a 15-minute meter counts as silent after an
 * hour (at 4 intervals) and a daily one after four days, without per-device configuration. One aggregation inside
 * MongoDB over the readings documents of the two days (index {@code {deviceId, hourStart}} of the readings collection); the answer is two numbers, whatever the fleet size.
 * A device silent since before yesterday has no bucket in those days any more and is no longer counted.
 */
public final class SilentDevices {

    /** The two counts of one check. */
    public record Counts(long recent, long silent) {
        /** Nothing counted yet. */
        public static final Counts NONE = new Counts(0, 0);
    }

    private final MongoClient mongo;
    private final String collection;

    /**
     * @param hours the hour collection ({@code billing.readingsCollection}); the readings are read from its readings
     *              documents ({@link UsageBucketSchema#readingsCollection})
     */
    public SilentDevices(MongoClient mongo, String hours) {
        this.mongo = mongo;
        this.collection = UsageBucketSchema.readingsCollection(hours);
    }

    /**
     * @param now                  the time silence is measured at
     * @param silentAfterIntervals how many of its intervals a device may stay quiet after its latest reading
     * @return the devices with a reading for today or yesterday (UTC) and, of those, the silent ones
     */
    public Future<Counts> count(Instant now, int silentAfterIntervals) {
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        long graceMsPerIntervalSecond = 1000L * silentAfterIntervals;
        // per bucket: the latest deadline of its readings, end (the map key, epoch ms) + N x interval
        JsonObject deadline = new JsonObject().put("$max", new JsonObject().put("$map", new JsonObject()
                .put("input", new JsonObject().put("$objectToArray", ref(READINGS)))
                .put("as", "r")
                .put("in", new JsonObject().put("$add", new JsonArray()
                        .add(new JsonObject().put("$toLong", "$$r.k"))
                        .add(new JsonObject().put("$multiply", new JsonArray()
                                .add("$$r.v." + READING_INTERVAL).add(graceMsPerIntervalSecond)))))));
        JsonArray pipeline = new JsonArray()
                .add(new JsonObject().put("$match", new JsonObject().put(HOUR_START, new JsonObject().put("$gte",
                        MongoSupport.date(today.minusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant())))))
                .add(new JsonObject().put("$project", new JsonObject().put(DEVICE_ID, 1).put("deadline", deadline)))
                .add(new JsonObject().put("$group", new JsonObject()
                        .put("_id", ref(DEVICE_ID))
                        .put("deadline", new JsonObject().put("$max", "$deadline"))))
                .add(new JsonObject().put("$group", new JsonObject()
                        .put("_id", (Object) null)
                        .put("recent", new JsonObject().put("$sum", 1))
                        .put("silent", new JsonObject().put("$sum", new JsonObject().put("$cond", new JsonArray()
                                .add(new JsonObject().put("$lt", new JsonArray().add("$deadline")
                                        .add(now.toEpochMilli())))
                                .add(1).add(0))))));
        List<JsonObject> rows = new ArrayList<>();
        Promise<List<JsonObject>> done = Promise.promise();
        mongo.aggregate(collection, pipeline)
                .exceptionHandler(done::tryFail)
                .endHandler(v -> done.tryComplete(rows))
                .handler(rows::add);
        return done.future().map(result -> result.isEmpty() ? Counts.NONE
                : new Counts(number(result.get(0), "recent"), number(result.get(0), "silent")));
    }

    private static long number(JsonObject json, String key) {
        Object v = json.getValue(key);
        return v instanceof Number n ? n.longValue() : 0L;
    }
}
