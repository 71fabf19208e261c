package org.smartenergy.platform.billing.bills;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoServerException;
import com.mongodb.MongoWriteException;

/** Translates driver errors: a duplicate key is an expected outcome of an insert-if-absent, not a failure. */
final class MongoErrors {

    private static final int DUPLICATE_KEY = 11000;

    private MongoErrors() {
    }

    static boolean isDuplicateKey(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof MongoWriteException mwe && mwe.getError().getCategory() == ErrorCategory.DUPLICATE_KEY) {
                return true;
            }
            if (t instanceof MongoServerException mse && (mse.getCode() == DUPLICATE_KEY
                    || ErrorCategory.fromErrorCode(mse.getCode()) == ErrorCategory.DUPLICATE_KEY)) {
                return true;
            }
        }
        return false;
    }
}
