package org.smartenergy.platform.analytics;

import io.vertx.core.Vertx;
import io.vertx.ext.mongo.MongoClient;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.smartenergy.platform.storage.StandInMongo;

/**
 * {@link UsageAnalyticsContract} on mongo-java-server's H2 backend, the one of {@code standalone} and
 * {@code mongo.embedded.dataFile}.
 */
class UsageAnalyticsH2Test extends UsageAnalyticsContract {

    @RegisterExtension
    static final StandInMongo MONGO = StandInMongo.onH2();

    @Override
    MongoClient newDatabase(Vertx vertx) {
        return MONGO.newDatabase(vertx);
    }
}
