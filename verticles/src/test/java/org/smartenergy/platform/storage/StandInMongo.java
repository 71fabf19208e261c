package org.smartenergy.platform.storage;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.vertx.core.Vertx;
import io.vertx.ext.mongo.MongoClient;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.smartenergy.platform.billing.MongoSettings;

import java.net.InetSocketAddress;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Test fixture: one in-memory MongoDB wire-protocol server (mongo-java-server, MemoryBackend) per test class, and
 * clients to a fresh database each. Register it as {@code @RegisterExtension static final StandInMongo MONGO = new
 * StandInMongo();}. {@link #onH2()} serves from the H2 backend instead, the one {@code standalone} and
 * {@code mongo.embedded.dataFile} use (it evaluates some queries differently from the memory backend).
 */
public final class StandInMongo implements BeforeAllCallback, AfterAllCallback {

    private final Supplier<MongoBackend> backend;
    private final String options;
    private MongoServer server;
    private String connectionString;

    /** A server whose connection string carries no options. */
    public StandInMongo() {
        this("");
    }

    /** @param options connection-string options, e.g. {@code "/?w=majority&journal=true"} */
    public StandInMongo(String options) {
        this(MemoryBackend::new, options);
    }

    private StandInMongo(Supplier<MongoBackend> backend, String options) {
        this.backend = backend;
        this.options = options;
    }

    /** @return a server on mongo-java-server's H2 backend (an in-memory MVStore), no connection-string options */
    public static StandInMongo onH2() {
        return new StandInMongo(H2Backend::inMemory, "");
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        server = new MongoServer(backend.get());
        InetSocketAddress address = server.bind();
        connectionString = "mongodb://127.0.0.1:" + address.getPort() + options;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        server.shutdownNow();
    }

    /** @return a client to a database of its own ({@code energy-<uuid>}), 3 s timeouts */
    public MongoClient newDatabase(Vertx vertx) {
        return MongoClient.create(vertx, new MongoSettings(connectionString, "energy-" + UUID.randomUUID(), 3000, 3000)
                .toClientConfig());
    }
}
