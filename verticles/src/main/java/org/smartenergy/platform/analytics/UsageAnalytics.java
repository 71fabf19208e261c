package org.smartenergy.platform.analytics;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import org.smartenergy.platform.storage.UsageBucketSchema;

import java.util.ArrayList;
import java.util.List;

import static org.smartenergy.platform.storage.UsageBucketSchema.DAY;
import static org.smartenergy.platform.storage.UsageBucketSchema.DEVICE_ID;
import static org.smartenergy.platform.storage.UsageBucketSchema.HOUR;
import static org.smartenergy.platform.storage.UsageBucketSchema.TOTAL;
import static org.smartenergy.platform.storage.UsageBucketSchema.quarter;
import static org.smartenergy.platform.storage.UsageBucketSchema.ref;
import static org.smartenergy.platform.storage.UsageBucketSchema.twoDigits;

/**
 * Reads platform-wide analytics from billing's hour buckets (collection {@code usage_hours}, fields as
 * {@link UsageBucketSchema} names them; see README "Storage design"). The sums run inside MongoDB (one
 * {@code $group} over the day's buckets), so a refresh moves a few hundred bytes whatever the number of devices; top
 * consumers are a second {@code $group} by device.
 */
public final class UsageAnalytics {

    private final MongoClient mongo;
    private final String collection;

    public UsageAnalytics(MongoClient mongo, String collection) {
        this.mongo = mongo;
        this.collection = collection;
    }

    /** Creates the index the day's $match uses; idempotent. */
    public Future<Void> init() {
        return mongo.createIndexWithOptions(collection, new JsonObject().put(DAY, 1),
                new io.vertx.ext.mongo.IndexOptions().name("day"));
    }

    /** @return the summary of the UTC day, with the {@code topN} largest consumers */
    public Future<DaySummary> summarize(String day, int topN) {
        // the day's hour buckets -> one row per device (its energy, per hour and per quarter) -> one row
        JsonObject perDevice = new JsonObject()
                .put("_id", ref(DEVICE_ID))
                .put("total", new JsonObject().put("$sum", ref(TOTAL)));
        JsonObject all = new JsonObject()
                .put("_id", (Object) null)
                .put("energy", new JsonObject().put("$sum", ref(TOTAL)))
                .put("devices", new JsonObject().put("$sum", new JsonObject().put("$cond",
                        new JsonArray().add(new JsonObject().put("$gt", new JsonArray().add(ref(TOTAL)).add(0))).add(1).add(0))));
        for (int h = 0; h < 24; h++) {
            perDevice.put("h" + twoDigits(h), new JsonObject().put("$sum", new JsonObject().put("$cond",
                    new JsonArray()
                    .add(new JsonObject().put("$eq", new JsonArray().add(ref(HOUR)).add(h)))
                    .add(ref(TOTAL)).add(0))));
            all.put("h" + twoDigits(h), new JsonObject().put("$sum", "$h" + twoDigits(h)));
        }
        for (int q = 0; q < 96; q++) {
            perDevice.put("q" + twoDigits(q), new JsonObject().put("$sum", ref(quarter(q))));
            all.put("q" + twoDigits(q), new JsonObject().put("$sum", "$q" + twoDigits(q)));
        }
        JsonObject match = new JsonObject().put("$match", new JsonObject().put(DAY, day));
        Future<List<JsonObject>> sums = collect(new JsonArray()
                .add(match)
                .add(new JsonObject().put("$group", perDevice))
                .add(new JsonObject().put("$group", all)));
        Future<List<JsonObject>> top = collect(new JsonArray()
                .add(match)
                .add(new JsonObject().put("$group", new JsonObject()
                        .put("_id", ref(DEVICE_ID))
                        .put("total", new JsonObject().put("$sum", ref(TOTAL)))))
                .add(new JsonObject().put("$sort", new JsonObject().put("total", -1).put("_id", 1)))
                .add(new JsonObject().put("$limit", topN)));
        return Future.all(sums, top).map(v -> {
            JsonObject row = sums.result().isEmpty() ? new JsonObject() : sums.result().get(0);
            long[] hours = new long[24];
            for (int h = 0; h < 24; h++) {
                hours[h] = number(row, "h" + twoDigits(h));
            }
            long[] quarters = new long[96];
            for (int q = 0; q < 96; q++) {
                quarters[q] = number(row, "q" + twoDigits(q));
            }
            List<DaySummary.Consumer> consumers = new ArrayList<>();
            for (JsonObject doc : top.result()) {
                long total = number(doc, "total");
                if (total > 0) {
                    consumers.add(new DaySummary.Consumer(doc.getString("_id"), total));
                }
            }
            return new DaySummary(day, number(row, "energy"), number(row, "devices"), hours, quarters, consumers);
        });
    }

    private Future<List<JsonObject>> collect(JsonArray pipeline) {
        List<JsonObject> rows = new ArrayList<>();
        io.vertx.core.Promise<List<JsonObject>> promise = io.vertx.core.Promise.promise();
        mongo.aggregate(collection, pipeline)
                .exceptionHandler(promise::tryFail)
                .endHandler(v -> promise.tryComplete(rows))
                .handler(rows::add);
        return promise.future();
    }

    private static long number(JsonObject json, String key) {
        Object v = json.getValue(key);
        return v instanceof Number n ? n.longValue() : 0L;
    }
}
