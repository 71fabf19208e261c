package org.smartenergy.platform.cli;

import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.node.EmbeddedMongo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code embedded-mongo}: the MongoDB-compatible store of {@code mongo.embedded} in a process of its own, for a
 * machine without MongoDB. Nodes started with {@code mongo.embedded.enabled=false} reach it through
 * {@code mongo.connectionString} like any MongoDB: several nodes can share it, and its data is not on their heaps
 * (with the store inside a node, the node's garbage collector copies the stored documents, and its pauses stop the
 * gateway too). Runs until SIGTERM/SIGINT.
 */
@Command(name = "embedded-mongo", mixinStandardHelpOptions = true,
        description = "Run the embedded MongoDB-compatible store (mongo.embedded.port, mongo.embedded.dataFile) alone, "
                + "on 127.0.0.1, until stopped; nodes reach it with mongo.embedded.enabled=false.")
public final class EmbeddedMongoCommand implements Callable<Integer> {

    @CommandLine.Mixin
    ConfigOption configOption = new ConfigOption();

    @Option(names = "--port", paramLabel = "PORT", description = "Port on 127.0.0.1 (default: mongo.embedded.port).")
    Integer port;

    @Option(names = "--data-file", paramLabel = "FILE",
            description = "H2 file, committed per write command; \"\" keeps everything in memory "
                    + "(default: mongo.embedded.dataFile).")
    String dataFile;

    /** Counted down once the store listens (tests wait for it). */
    final CountDownLatch listening = new CountDownLatch(1);
    /** Counted down to stop the store (the shutdown hook, or a test). */
    final CountDownLatch stop = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        JsonObject embedded = configOption.load().getJsonObject("mongo").getJsonObject("embedded").copy();
        if (port != null) {
            embedded.put("port", port);
        }
        if (dataFile != null) {
            embedded.put("dataFile", dataFile);
        }
        EmbeddedMongo store = EmbeddedMongo.start(embedded);
        CountDownLatch closed = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.countDown();
            awaitQuietly(closed);
        }, "embedded-mongo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        listening.countDown();
        try {
            stop.await();
        } finally {
            store.close();
            closed.countDown();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // stopped by a signal: the hook is running and waits for the close above
        }
        return 0;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
