package org.smartenergy.platform.storage;

import com.mongodb.MongoConnectionPoolClearedException;
import com.mongodb.MongoNodeIsRecoveringException;
import com.mongodb.MongoNotPrimaryException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoTimeoutException;

/**
 * A store (MongoDB) that is unreachable or failing over: a transient server error the edges report as UNAVAILABLE
 * / 503, never as a bug. The data-access layer translates driver errors into it ({@link #translate}), so callers
 * need not know the driver.
 */
public final class StoreUnavailableException extends RuntimeException {

    public StoreUnavailableException(Throwable cause) {
        super("the store (MongoDB) is unavailable, retry later", cause, false, false);
    }

    /** @return whether the failure is the driver saying the store is unreachable or failing over */
    public static boolean isUnavailable(Throwable failure) {
        return failure instanceof StoreUnavailableException
                || failure instanceof MongoTimeoutException
                || failure instanceof MongoSocketException
                || failure instanceof MongoConnectionPoolClearedException
                || failure instanceof MongoNotPrimaryException
                || failure instanceof MongoNodeIsRecoveringException;
    }

    /** @return the failure as a {@link StoreUnavailableException} if it is one, else the failure itself */
    public static Throwable translate(Throwable failure) {
        return isUnavailable(failure) && !(failure instanceof StoreUnavailableException)
                ? new StoreUnavailableException(failure) : failure;
    }

    /** For {@code future.recover(StoreUnavailableException::recover)}: fails with the translated failure. */
    public static <T> io.vertx.core.Future<T> recover(Throwable failure) {
        return io.vertx.core.Future.failedFuture(translate(failure));
    }
}
