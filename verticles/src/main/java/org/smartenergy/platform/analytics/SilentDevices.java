package org.smartenergy.platform.analytics;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import org.smartenergy.platform.storage.UsageBucketSchema;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.smartenergy.platform.storage.UsageBucketSchema.DAY;
import static org.smartenergy.platform.storage.UsageBucketSchema.DEVICE_ID;
import static org.smartenergy.platform.storage.UsageBucketSchema.LATEST;
import static org.smartenergy.platform.storage.UsageBucketSchema.LATEST_END;
import static org.smartenergy.platform.storage.UsageBucketSchema.LATEST_INTERVAL;
import static org.smartenergy.platform.storage.UsageBucketSchema.ref;

/**
 * Counts the meters that stopped reporting, from billing's hour buckets ({@link UsageBucketSchema}): among the
 * devices with a reading stored for today or yesterday (UTC), those whose latest reading ended more than
 * {@code silentAfterIntervals} of its own interval ago. Each reading gives a deadline, its end plus that many
 * intervals; a device is silent once its latest deadline has passed, so a 15-minute meter counts as silent after an
 * hour (at 4 intervals) and a daily one after four days, without per-device configuration. One aggregation inside
 * MongoDB over the hour documents of the two days (index {@code day}), each of which carries its hour's latest
 * reading ({@link UsageBucketSchema#LATEST}): one document per device hour is read, however many readings the hour
 * holds (it read every reading of the two days before). The answer is two numbers, whatever the fleet size. Hour
 * documents written by a version before {@code latest} existed are not counted.
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
     * @param hours the hour collection ({@code billing.readingsCollection}), whose hour documents are read
     */
    public SilentDevices(MongoClient mongo, String hours) {
        this.mongo = mongo;
        this.collection = hours;
    }

    /**
     * @param now                  the time silence is measured at
     * @param silentAfterIntervals how many of its intervals a device may stay quiet after its latest reading
     * @return the devices with a reading for today or yesterday (UTC) and, of those, the silent ones
     */
    public Future<Counts> count(Instant now, int silentAfterIntervals) {
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        long graceMsPerIntervalSecond = 1000L * silentAfterIntervals;
        // per device: its latest reading of the two days (the largest {end, interval} of its hour documents);
        // its deadline: end + N x interval
        JsonObject deadline = new JsonObject().put("$add", new JsonArray()
                .add(ref(LATEST + "." + LATEST_END))
                .add(new JsonObject().put("$multiply", new JsonArray()
                        .add(ref(LATEST + "." + LATEST_INTERVAL)).add(graceMsPerIntervalSecond))));
        JsonArray pipeline = new JsonArray()
                // hour documents written before they carried their latest reading are left out
                .add(new JsonObject().put("$match", new JsonObject()
                        .put(DAY, new JsonObject().put("$in", new JsonArray()
                                .add(today.minusDays(1).toString()).add(today.toString())))
                        .put(LATEST, new JsonObject().put("$exists", true))))
                .add(new JsonObject().put("$group", new JsonObject()
                        .put("_id", ref(DEVICE_ID))
                        .put(LATEST, new JsonObject().put("$max", ref(LATEST)))))
                .add(new JsonObject().put("$group", new JsonObject()
                        .put("_id", (Object) null)
                        .put("recent", new JsonObject().put("$sum", 1))
                        .put("silent", new JsonObject().put("$sum", new JsonObject().put("$cond", new JsonArray()
                                .add(new JsonObject().put("$lt", new JsonArray().add(deadline)
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
