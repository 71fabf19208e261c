package org.smartenergy.platform.node;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A MongoDB wire-protocol server inside the node, for development machines without MongoDB
 * ({@code mongo.embedded.enabled}). The platform still talks to it through the ordinary MongoDB driver and
 * {@code mongo.connectionString}, so the code path is the production one. With {@code mongo.embedded.dataFile} set,
 * data lives in an H2 file and survives a restart, also a killed process: every write command is in the file before
 * it is acknowledged ({@link CommittingH2Backend}); empty means in memory.
 */
public final class EmbeddedMongo implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedMongo.class);

    private final MongoServer server;

    private EmbeddedMongo(MongoServer server) {
        this.server = server;
    }

    /** Starts the server on 127.0.0.1 at {@code embedded.port} (blocking; call before the event loops need it). */
    public static EmbeddedMongo start(JsonObject embedded) throws Exception {
        String dataFile = embedded.getString("dataFile", "");
        MongoBackend backend;
        if (dataFile.isEmpty()) {
            backend = new MemoryBackend();
        } else {
            Path path = Path.of(dataFile).toAbsolutePath();
            Files.createDirectories(path.getParent());
            backend = CommittingH2Backend.open(path.toString());
        }
        MongoServer server = new MongoServer(backend);
        int port = embedded.getInteger("port");
        server.bind("127.0.0.1", port);
        LOG.info("embedded MongoDB-compatible server on 127.0.0.1:{} [store: {}]", port,
                dataFile.isEmpty() ? "memory" : dataFile);
        return new EmbeddedMongo(server);
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}
