package org.smartenergy.platform.cli;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code embedded-mongo} serves the MongoDB wire protocol on its own, and keeps its H2 file across a restart. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EmbeddedMongoCommandTest {

    @Test
    void storesWhatANodeWritesAndKeepsItInItsFileAcrossARestart(Vertx vertx, @TempDir Path dir) throws Exception {
        // GIVEN the store started alone on a free port with a data file
        int port = freePort();
        String file = dir.resolve("store.mv").toString();
        Running first = Running.start(port, file);

        // WHEN a client inserts a document through the ordinary driver, and the store is stopped and started again
        MongoClient client = client(vertx, port);
        client.insert("devices", new JsonObject().put("_id", "meter-1").put("name", "kitchen"))
                .await(10, TimeUnit.SECONDS);
        client.close().await(10, TimeUnit.SECONDS);
        assertThat(first.stop()).isZero();
        Running second = Running.start(port, file);

        // THEN the restarted store answers with that document
        MongoClient again = client(vertx, port);
        JsonObject found = again.findOne("devices", new JsonObject().put("_id", "meter-1"), null)
                .await(10, TimeUnit.SECONDS);
        again.close().await(10, TimeUnit.SECONDS);
        assertThat(second.stop()).isZero();
        assertThat(found).isNotNull();
        assertThat(found.getString("name")).isEqualTo("kitchen");
    }

    private static MongoClient client(Vertx vertx, int port) {
        return MongoClient.create(vertx, new JsonObject()
                .put("connection_string", "mongodb://127.0.0.1:" + port + "/?w=majority&journal=true")
                .put("db_name", "embedded-mongo-command-test"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** The command running on a thread of its own, as {@code java -jar ... embedded-mongo} would in its process. */
    private record Running(EmbeddedMongoCommand command, CompletableFuture<Integer> exit) {

        static Running start(int port, String dataFile) throws Exception {
            EmbeddedMongoCommand command = new EmbeddedMongoCommand();
            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> new CommandLine(command)
                    .execute("--port", String.valueOf(port), "--data-file", dataFile));
            boolean listening = command.listening.await(20, TimeUnit.SECONDS);
            assertThat(listening).as("listening; exit: " + exit.getNow(null)).isTrue();
            return new Running(command, exit);
        }

        int stop() throws Exception {
            command.stop.countDown();
            return exit.get(20, TimeUnit.SECONDS);
        }
    }
}
