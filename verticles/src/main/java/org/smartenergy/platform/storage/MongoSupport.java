package org.smartenergy.platform.storage;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoServerException;
import com.mongodb.MongoWriteException;
import com.mongodb.bulk.BulkWriteError;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What every MongoDB data-access class of the platform needs: dates in the extended-JSON form vertx-mongo-client
 * maps to BSON dates, and the translation of driver errors (a duplicate key is an expected outcome of an
 * insert-if-absent or a guarded upsert, not a failure).
 */
public final class MongoSupport {

    private static final int DUPLICATE_KEY = 11000;
    /** Ids per {@code find} of {@link #findByIds}. */
    public static final int IDS_PER_FIND = 48;

    private MongoSupport() {
    }

    /**
     * The documents of {@code collection} whose {@code _id} is one of {@code ids}, in no particular order: one
     * {@code find({_id: {$in: [...]}})} per {@value #IDS_PER_FIND} ids, all at once. Why not one {@code $in} of
     * them all: MongoDB answers either from the {@code _id} index, but the embedded stand-in (mongo-java-server)
     * matches every document it found against the whole list, so one large {@code $in} costs the square of its
     * length there (the cache's day totals of a batch, a bill's 745 hours).
     *
     * @param fields the projection, or null for whole documents
     */
    public static Future<List<JsonObject>> findByIds(MongoClient mongo, String collection, List<String> ids,
                                                     JsonObject fields) {
        if (ids.isEmpty()) {
            return Future.succeededFuture(List.of());
        }
        FindOptions options = new FindOptions();
        if (fields != null) {
            options.setFields(fields);
        }
        List<Future<List<JsonObject>>> reads = new ArrayList<>((ids.size() + IDS_PER_FIND - 1) / IDS_PER_FIND);
        for (int from = 0; from < ids.size(); from += IDS_PER_FIND) {
            JsonArray chunk = new JsonArray(new ArrayList<>(ids.subList(from, Math.min(ids.size(), from + IDS_PER_FIND))));
            reads.add(mongo.findWithOptions(collection, new JsonObject().put("_id", new JsonObject().put("$in", chunk)),
                    options));
        }
        if (reads.size() == 1) {
            return reads.get(0);
        }
        return Future.all(reads).map(all -> {
            List<JsonObject> docs = new ArrayList<>();
            reads.forEach(read -> docs.addAll(read.result()));
            return docs;
        });
    }

    /** @return the value that stores {@code instant} as a BSON date */
    public static JsonObject date(Instant instant) {
        return new JsonObject().put("$date", instant.toString());
    }

    /** @return the instant of a BSON date as vertx-mongo-client returns it ({@code {"$date": ...}}), or null */
    public static Instant instant(Object value) {
        if (value instanceof JsonObject date) {
            Object inner = date.getValue("$date");
            if (inner instanceof String s) {
                return Instant.parse(s);
            }
            if (inner instanceof Number n) {
                return Instant.ofEpochMilli(n.longValue());
            }
        }
        if (value instanceof String s) {
            return Instant.parse(s);
        }
        if (value instanceof Instant i) {
            return i;
        }
        return null;
    }

    /** @return whether the failure (or one of its causes) is a duplicate-key error of a single write */
    public static boolean isDuplicateKey(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof MongoWriteException mwe && mwe.getError().getCategory() == ErrorCategory.DUPLICATE_KEY) {
                return true;
            }
            if (t instanceof MongoServerException mse && isDuplicateKeyCode(mse.getCode())) {
                return true;
            }
        }
        return false;
    }

    /**
     * @return whether every error of a bulk write (or the single write error) is a duplicate key, with no write
     * concern error: the writes that could be done were done
     */
    public static boolean isOnlyDuplicateKeys(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof MongoBulkWriteException bulk) {
                return bulk.getWriteConcernError() == null && !bulk.getWriteErrors().isEmpty()
                        && bulk.getWriteErrors().stream().allMatch(MongoSupport::isDuplicateKey);
            }
            if (t instanceof MongoServerException server) {
                return isDuplicateKeyCode(server.getCode());
            }
        }
        return false;
    }

    /**
     * @return for a bulk write that failed on some of its operations, how many documents its other operations
     * modified or upserted (0 if the failure is not a bulk write's)
     */
    public static int changedBefore(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof MongoBulkWriteException bulk) {
                return bulk.getWriteResult().getModifiedCount() + bulk.getWriteResult().getUpserts().size();
            }
        }
        return 0;
    }

    private static boolean isDuplicateKey(BulkWriteError error) {
        return isDuplicateKeyCode(error.getCode()) || error.getCategory() == ErrorCategory.DUPLICATE_KEY;
    }

    private static boolean isDuplicateKeyCode(int code) {
        return code == DUPLICATE_KEY || ErrorCategory.fromErrorCode(code) == ErrorCategory.DUPLICATE_KEY;
    }
}
