package org.smartenergy.platform.node;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.MongoClient;
import org.h2.mvstore.MVStore;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A program, not a test: what committing every command costs the embedded store ({@link CommittingH2Backend}),
 * against H2's default (background commit about every second), an in-memory H2 store, mongo-java-server's
 * {@link MemoryBackend} and a commit followed by an fsync. Per backend, through the wire protocol and the Vert.x
 * MongoDB client the platform uses: {@code inserts} single-document inserts one after another, then {@code bulks}
 * unordered bulk writes of 500 single-document updates each (the billing verticle's shape: one command per batch),
 * and the size of the file afterwards.
 *
 * <p>Run from {@code verticles/} after {@code test-compile}:
 * {@code java -cp target/test-classes:target/classes:$(cat cp.txt) org.smartenergy.platform.node.EmbeddedMongoCommitCost [inserts] [bulks]}
 * with {@code cp.txt} from {@code mvn dependency:build-classpath -Dmdep.outputFile=cp.txt}.
 */
public final class EmbeddedMongoCommitCost {

    private static final int DOCS_PER_BULK = 500;

    public static void main(String[] args) throws Exception {
        int inserts = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
        int bulks = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        Path dir = Files.createTempDirectory("commit-cost");
        Map<String, Supplier<MongoBackend>> backends = new java.util.LinkedHashMap<>();
        backends.put("MemoryBackend", MemoryBackend::new);
        backends.put("H2 in memory", H2Backend::inMemory);
        backends.put("H2 file, H2 default (background commit)", () -> new H2Backend(file(dir, "default")));
        backends.put("H2 file, commit per command", () -> CommittingH2Backend.open(file(dir, "commit")));
        backends.put("H2 file, commit + fsync per command", () -> new SyncingH2Backend(
                new MVStore.Builder().fileName(file(dir, "fsync")).open()));
        Vertx vertx = Vertx.vertx();
        try {
            System.out.printf("%-42s %10s %10s %14s %12s%n", "backend", "inserts/s", "bulks/s", "updated docs/s",
                    "file MB");
            for (Map.Entry<String, Supplier<MongoBackend>> backend : backends.entrySet()) {
                run(vertx, backend.getKey(), backend.getValue().get(), inserts, bulks, dir);
            }
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    private static String file(Path dir, String name) {
        return dir.resolve(name + ".mv").toString();
    }

    private static void run(Vertx vertx, String name, MongoBackend backend, int inserts, int bulks, Path dir)
            throws Exception {
        MongoServer server = new MongoServer(backend);
        InetSocketAddress address = server.bind();
        MongoClient client = MongoClient.create(vertx, new JsonObject()
                .put("connection_string", "mongodb://127.0.0.1:" + address.getPort() + "/?w=majority&journal=true")
                .put("db_name", "probe"));
        try {
            long start = System.nanoTime();
            for (int i = 0; i < inserts; i++) {
                client.insert("docs", new JsonObject().put("_id", "d" + i).put("count", 0).put("r", new JsonObject()))
                        .await(10, TimeUnit.SECONDS);
            }
            double insertSeconds = (System.nanoTime() - start) / 1e9;
            start = System.nanoTime();
            for (int b = 0; b < bulks; b++) {
                List<BulkOperation> operations = new ArrayList<>(DOCS_PER_BULK);
                for (int d = 0; d < DOCS_PER_BULK; d++) {
                    operations.add(BulkOperation.createUpdate(
                            new JsonObject().put("_id", "d" + d).put("r." + b, new JsonObject().put("$exists", false)),
                            new JsonObject().put("$set", new JsonObject().put("r." + b, b))
                                    .put("$inc", new JsonObject().put("count", 1))));
                }
                client.bulkWriteWithOptions("docs", operations, new BulkWriteOptions().setOrdered(false))
                        .await(60, TimeUnit.SECONDS);
            }
            double bulkSeconds = (System.nanoTime() - start) / 1e9;
            client.close().await(10, TimeUnit.SECONDS);
            server.shutdownNow();
            long fileBytes = 0;
            try (var files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    fileBytes += Files.size(file);
                    Files.delete(file);
                }
            }
            System.out.printf("%-42s %10.0f %10.1f %14.0f %12.1f%n", name, inserts / insertSeconds,
                    bulks / bulkSeconds, bulks * DOCS_PER_BULK / bulkSeconds, fileBytes / 1e6);
        } finally {
            server.shutdownNow();
        }
    }

    /** Commit and fsync after every command: what surviving a power cut as well would cost. */
    private static final class SyncingH2Backend extends H2Backend {

        private final MVStore store;

        SyncingH2Backend(MVStore store) {
            super(store);
            this.store = store;
        }

        @Override
        public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
            try {
                return super.handleCommand(channel, databaseName, command, query);
            } finally {
                if (store.hasUnsavedChanges()) {
                    store.commit();
                    store.sync();
                }
            }
        }
    }
}
