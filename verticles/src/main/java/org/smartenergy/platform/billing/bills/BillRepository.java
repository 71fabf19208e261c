package org.smartenergy.platform.billing.bills;

import org.smartenergy.platform.storage.MongoSupport;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;
import org.smartenergy.platform.domain.tariff.Bill;
import org.smartenergy.platform.domain.tariff.BillingPeriod;

import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Issued bills in MongoDB collection {@value #COLLECTION}:
 * {@code {_id: "<deviceId>|<period start>", deviceId, periodStart: "yyyy-MM-dd", issuedAt, bill: <bill JSON>,
 * corrections: [<bill JSON of each re-rated period>]}} (see {@link BillJson}). Documents are only ever inserted.
 */
public final class BillRepository {

    public static final String COLLECTION = "bills";

    private final MongoClient mongo;

    public BillRepository(MongoClient mongo) {
        this.mongo = Objects.requireNonNull(mongo, "mongo");
    }

    /** Creates the indexes; idempotent. */
    public Future<Void> init() {
        return mongo.createIndexWithOptions(COLLECTION, new JsonObject().put("deviceId", 1).put("periodStart", -1),
                new IndexOptions().name("deviceId_periodStart"));
    }

    /**
     * Inserts the bill unless one exists for the same device and period.
     *
     * @return true if this call stored it, false if a bill for that period was already there (left unchanged)
     */
    public Future<Boolean> insertIfAbsent(IssuedBill issued) {
        JsonArray corrections = new JsonArray();
        issued.corrections().forEach(b -> corrections.add(BillJson.toJson(b, List.of())));
        JsonObject doc = new JsonObject()
                .put("_id", IssuedBill.id(issued.deviceId(), issued.bill().period()))
                .put("deviceId", issued.deviceId())
                .put("periodStart", issued.bill().period().start().toString())
                .put("issuedAt", MongoSupport.date(issued.issuedAt()))
                .put("bill", BillJson.toJson(issued.bill(), issued.corrections().stream().map(Bill::period).toList()))
                .put("corrections", corrections);
        // A plain insert on the unique _id: MongoDB lets exactly one insert of an _id succeed, atomically, whichever
        // node sends it. A duplicate key therefore means the period is already issued, by this or another node.
        return mongo.insert(COLLECTION, doc).map(id -> true)
                .recover(e -> MongoSupport.isDuplicateKey(e) ? Future.succeededFuture(false) : Future.failedFuture(e));
    }

    /**
     * @return the issued bill of the device whose period starts in {@code month}, or null; the one starting last if
     *         a change of tariff split a cycle into two periods starting in that month
     */
    public Future<IssuedBill> find(String deviceId, YearMonth month) {
        JsonObject query = new JsonObject().put("deviceId", deviceId).put("periodStart", new JsonObject()
                .put("$gte", month.atDay(1).toString())
                .put("$lte", month.atEndOfMonth().toString()));
        FindOptions options = new FindOptions().setSort(new JsonObject().put("periodStart", -1)).setLimit(1);
        return mongo.findWithOptions(COLLECTION, query, options)
                .map(docs -> docs.isEmpty() ? null : issued(docs.get(0)));
    }

    /** @return the issued bill of the device for exactly that period, or null (also for a null period) */
    public Future<IssuedBill> findById(String deviceId, BillingPeriod period) {
        if (period == null) {
            return Future.succeededFuture();
        }
        return mongo.findOne(COLLECTION, new JsonObject().put("_id", IssuedBill.id(deviceId, period)), null)
                .map(doc -> doc == null ? null : issued(doc));
    }

    /** @return the device's issued bills, newest period first, at most {@code limit} */
    public Future<List<IssuedBill>> list(String deviceId, int limit) {
        FindOptions options = new FindOptions().setSort(new JsonObject().put("periodStart", -1)).setLimit(limit);
        return mongo.findWithOptions(COLLECTION, new JsonObject().put("deviceId", deviceId), options)
                .map(docs -> docs.stream().map(BillRepository::issued).toList());
    }

    private static IssuedBill issued(JsonObject doc) {
        List<Bill> corrections = new ArrayList<>();
        JsonArray array = doc.getJsonArray("corrections", new JsonArray());
        for (int i = 0; i < array.size(); i++) {
            corrections.add(BillJson.fromJson(array.getJsonObject(i)));
        }
        return new IssuedBill(doc.getString("deviceId"), BillJson.fromJson(doc.getJsonObject("bill")), corrections,
                MongoSupport.instant(doc.getValue("issuedAt")));
    }
}
