package org.smartenergy.platform.analytics;

import io.vertx.core.Vertx;
import io.vertx.ext.mongo.MongoClient;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.smartenergy.platform.storage.StandInMongo;

/**
 * {@link UsageAnalyticsContract} on the memory backend (the benchmark's store).
 */
class UsageAnalyticsTest extends UsageAnalyticsContract {

    @RegisterExtension
    static final StandInMongo MONGO = new StandInMongo();

    @Override
    MongoClient newDatabase(Vertx vertx) {
        return MONGO.newDatabase(vertx);
    }
}
