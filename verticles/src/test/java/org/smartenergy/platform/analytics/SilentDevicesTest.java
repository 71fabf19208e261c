package org.smartenergy.platform.analytics;

import io.vertx.core.Vertx;
import io.vertx.ext.mongo.MongoClient;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.smartenergy.platform.storage.StandInMongo;

/**
 * {@link SilentDevicesContract} on mongo-java-server's memory backend (the tests' stand-in, and
 * {@code mongo.embedded} without a data file).
 */
class SilentDevicesTest extends SilentDevicesContract {

    @RegisterExtension
    static final StandInMongo MONGO = new StandInMongo();

    @Override
    MongoClient newDatabase(Vertx vertx) {
        return MONGO.newDatabase(vertx);
    }
}
