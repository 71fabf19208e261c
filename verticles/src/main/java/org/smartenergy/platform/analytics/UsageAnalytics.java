package org.smartenergy.platform.analytics;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import org.smartenergy.platform.storage.UsageBucketSchema;

import java.util.ArrayList;
import java.util.List;

import static org.smartenergy.platform.storage.UsageBucketSchema.DAY;
import static org.smartenergy.platform.storage.UsageBucketSchema.DEVICE_ID;
import static org.smartenergy.platform.storage.UsageBucketSchema.HOUR;
import static org.smartenergy.platform.storage.UsageBucketSchema.QUARTERS;
import static org.smartenergy.platform.storage.UsageBucketSchema.TOTAL;
import static org.smartenergy.platform.storage.UsageBucketSchema.ref;

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

    /**
     * The summary of the UTC day, with the {@code topN} largest consumers.
     *
     * <p>One aggregation, one pass over the day's hour buckets ({@code $match} on the indexed {@code day}), split by
     * {@code $facet} into four small groups: the energy per hour of day (by the bucket's {@code hour}: at most 24
     * rows), per quarter hour ({@code $objectToArray} of the bucket's few {@code quarters}, {@code $unwind}, grouped
     * by quarter: at most 96 rows), the number of devices with energy, and the top consumers. Each bucket costs a
     * handful of accumulator updates, not one per hour and quarter of the day.
     *
     * @return the day's summary
     */
    public Future<DaySummary> summarize(String day, int topN) {
        JsonObject perDevice = new JsonObject().put("$group", new JsonObject()
                .put("_id", ref(DEVICE_ID))
                .put("total", new JsonObject().put("$sum", ref(TOTAL))));
        JsonObject withEnergy = new JsonObject().put("$match", new JsonObject()
                .put("total", new JsonObject().put("$gt", 0)));
        JsonObject facets = new JsonObject()
                .put("hours", new JsonArray()
                        .add(new JsonObject().put("$group", new JsonObject()
                                .put("_id", ref(HOUR))
                                .put("e", new JsonObject().put("$sum", ref(TOTAL))))))
                .put("quarters", new JsonArray()
                        .add(new JsonObject().put("$project", new JsonObject()
                                .put("_id", 0)
                                .put("q", new JsonObject().put("$objectToArray", ref(QUARTERS)))))
                        .add(new JsonObject().put("$unwind", "$q"))
                        .add(new JsonObject().put("$group", new JsonObject()
                                .put("_id", "$q.k")
                                .put("e", new JsonObject().put("$sum", "$q.v")))))
                .put("devices", new JsonArray()
                        .add(perDevice)
                        .add(withEnergy)
                        .add(new JsonObject().put("$group", new JsonObject()
                                .put("_id", (Object) null)
                                .put("n", new JsonObject().put("$sum", 1)))))
                .put("top", new JsonArray()
                        .add(perDevice)
                        .add(withEnergy)
                        .add(new JsonObject().put("$sort", new JsonObject().put("total", -1).put("_id", 1)))
                        .add(new JsonObject().put("$limit", topN)));
        JsonArray pipeline = new JsonArray()
                .add(new JsonObject().put("$match", new JsonObject().put(DAY, day)))
                .add(new JsonObject().put("$facet", facets));
        return collect(pipeline).map(rows -> {
            JsonObject row = rows.isEmpty() ? new JsonObject() : rows.get(0);
            long[] hours = new long[24];
            long energy = 0;
            for (JsonObject h : rows(row, "hours")) {
                Object id = h.getValue("_id");
                long e = number(h, "e");
                energy += e;
                if (id instanceof Number n && n.intValue() >= 0 && n.intValue() < 24) {
                    hours[n.intValue()] += e;
                }
            }
            long[] quarters = new long[96];
            for (JsonObject q : rows(row, "quarters")) {
                int quarter = quarterOf(q.getValue("_id"));
                if (quarter >= 0) {
                    quarters[quarter] += number(q, "e");
                }
            }
            List<JsonObject> counted = rows(row, "devices");
            long devices = counted.isEmpty() ? 0 : number(counted.get(0), "n");
            List<DaySummary.Consumer> consumers = new ArrayList<>();
            for (JsonObject doc : rows(row, "top")) {
                consumers.add(new DaySummary.Consumer(doc.getString("_id"), number(doc, "total")));
            }
            return new DaySummary(day, energy, devices, hours, quarters, consumers);
        });
    }

    /** The rows of one facet of the summary's single result document. */
    private static List<JsonObject> rows(JsonObject row, String facet) {
        JsonArray array = row.getJsonArray(facet, new JsonArray());
        List<JsonObject> rows = new ArrayList<>(array.size());
        for (Object o : array) {
            if (o instanceof JsonObject j) {
                rows.add(j);
            }
        }
        return rows;
    }

    /** A {@code quarters} key ("00"-"95") as its quarter of the day; -1 for anything else. */
    private static int quarterOf(Object key) {
        if (key instanceof String s && s.length() == 2 && Character.isDigit(s.charAt(0))
                && Character.isDigit(s.charAt(1))) {
            int q = Integer.parseInt(s);
            return q < 96 ? q : -1;
        }
        return -1;
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
