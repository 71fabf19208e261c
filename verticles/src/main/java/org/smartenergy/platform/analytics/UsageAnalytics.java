package org.smartenergy.platform.analytics;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads platform-wide analytics from billing's day buckets (collection {@code usage_days}, see README "Storage
 * design"). The sums run inside MongoDB (one {@code $group} over the day's buckets), so a refresh moves a few
 * hundred bytes whatever the number of devices; top consumers use the {@code {day, total}} index.
 */
public final class UsageAnalytics {

    private final MongoClient mongo;
    private final String collection;

    public UsageAnalytics(MongoClient mongo, String collection) {
        this.mongo = mongo;
        this.collection = collection;
    }

    /** Creates the index the top-consumer query uses; idempotent. */
    public Future<Void> init() {
        return mongo.createIndex(collection, new JsonObject().put("day", 1).put("total", -1));
    }

    /** @return the summary of the UTC day, with the {@code topN} largest consumers */
    public Future<DaySummary> summarize(String day, int topN) {
        JsonObject group = new JsonObject()
                .put("_id", (Object) null)
                .put("energy", new JsonObject().put("$sum", "$total"))
                .put("devices", new JsonObject().put("$sum", new JsonObject().put("$cond",
                        new JsonArray().add(new JsonObject().put("$gt", new JsonArray().add("$count").add(0))).add(1).add(0))));
        for (int h = 0; h < 24; h++) {
            group.put("h" + two(h), new JsonObject().put("$sum", "$hours." + two(h)));
        }
        for (int q = 0; q < 96; q++) {
            group.put("q" + two(q), new JsonObject().put("$sum", "$quarters." + two(q)));
        }
        JsonArray pipeline = new JsonArray()
                .add(new JsonObject().put("$match", new JsonObject().put("day", day)))
                .add(new JsonObject().put("$group", group));
        Future<List<JsonObject>> sums = collect(pipeline);
        Future<List<JsonObject>> top = mongo.findWithOptions(collection, new JsonObject().put("day", day),
                new FindOptions()
                        .setFields(new JsonObject().put("deviceId", 1).put("total", 1))
                        .setSort(new JsonObject().put("total", -1))
                        .setLimit(topN));
        return Future.all(sums, top).map(v -> {
            JsonObject row = sums.result().isEmpty() ? new JsonObject() : sums.result().get(0);
            long[] hours = new long[24];
            for (int h = 0; h < 24; h++) {
                hours[h] = number(row, "h" + two(h));
            }
            long[] quarters = new long[96];
            for (int q = 0; q < 96; q++) {
                quarters[q] = number(row, "q" + two(q));
            }
            List<DaySummary.Consumer> consumers = new ArrayList<>();
            for (JsonObject doc : top.result()) {
                long total = number(doc, "total");
                if (total > 0) {
                    consumers.add(new DaySummary.Consumer(doc.getString("deviceId"), total));
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

    private static String two(int n) {
        return String.format(Locale.ROOT, "%02d", n);
    }
}
