package org.smartenergy.platform.storage;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test helper: reads the stored hours of devices straight from MongoDB as one document per device hour, the hour
 * document (totals) with the {@code readings} of its readings document (see {@link UsageBucketSchema}), so tests can
 * check that an hour's totals agree with its readings.
 */
public final class StoredHours {

    private StoredHours() {
    }

    /**
     * @param hours  the hour collection ({@code billing.readingsCollection})
     * @param filter a filter both documents of an hour answer alike, e.g. on {@code deviceId}
     * @return per device hour (hour document or readings document found) the hour document's fields plus
     *         {@code readings}; an hour whose totals are not written yet has readings and no totals
     */
    public static Future<List<JsonObject>> find(MongoClient mongo, String hours, JsonObject filter) {
        Future<List<JsonObject>> totals = mongo.find(hours, filter);
        Future<List<JsonObject>> readings = mongo.find(UsageBucketSchema.readingsCollection(hours), filter);
        return Future.all(totals, readings).map(v -> {
            Map<String, JsonObject> byId = new LinkedHashMap<>();
            totals.result().forEach(doc -> byId.put(doc.getString(UsageBucketSchema.ID), doc.copy()));
            for (JsonObject doc : readings.result()) {
                JsonObject joined = byId.computeIfAbsent(doc.getString(UsageBucketSchema.ID), id -> new JsonObject()
                        .put(UsageBucketSchema.ID, id).put(UsageBucketSchema.DEVICE_ID,
                                doc.getString(UsageBucketSchema.DEVICE_ID)));
                joined.put(UsageBucketSchema.READINGS, doc.getJsonObject(UsageBucketSchema.READINGS, new JsonObject()));
            }
            return new ArrayList<>(byId.values());
        });
    }
}
