package org.smartenergy.platform.node;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real {@code redis-server} (the binary bundled in {@code com.github.codemonstur:embedded-redis}) run as a child
 * process on 127.0.0.1 for {@code standalone} mode. The platform reaches it through {@code redis.connectionString}
 * and the ordinary Vert.x Redis client. Redis is only a cache here, so it keeps its snapshot in the given folder
 * without append-only logging.
 */
public final class EmbeddedRedis implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRedis.class);

    private final RedisServer server;

    private EmbeddedRedis(RedisServer server) {
        this.server = server;
    }

    /** Starts redis-server (blocking until it accepts connections). */
    public static EmbeddedRedis start(Path dataDir, int port) throws Exception {
        Path dir = dataDir.toAbsolutePath();
        Files.createDirectories(dir);
        RedisServer server = RedisServer.newRedisServer()
                .port(port)
                .bind("127.0.0.1")
                .setting("dir " + dir)
                .setting("appendonly no")
                .setting("protected-mode yes")
                // the child process goes when the JVM goes, even if close() is never reached
                .onShutdownForceStop(true)
                .build();
        server.start();
        LOG.info("embedded Redis on 127.0.0.1:{} [dir: {}]", port, dir);
        return new EmbeddedRedis(server);
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
