package org.smartenergy.platform.billing;

import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.io.IOException;
import java.util.List;

/**
 * A Redis client for cache tests whose commands fail with "Connection refused" while {@link #down} is set, and go to
 * the real Redis otherwise: an outage the test switches on and off without stopping a server.
 */
public final class SwitchableRedis implements Redis {

    private final Redis delegate;
    /** While true every command fails as if Redis were unreachable. */
    public volatile boolean down;

    public SwitchableRedis(Redis delegate) {
        this.delegate = delegate;
    }

    @Override
    public Future<RedisConnection> connect() {
        return delegate.connect();
    }

    @Override
    public Future<Void> close() {
        return Future.succeededFuture();
    }

    @Override
    public Future<Response> send(Request command) {
        return down ? Future.failedFuture(new IOException("Connection refused")) : delegate.send(command);
    }

    @Override
    public Future<List<Response>> batch(List<Request> commands) {
        return down ? Future.failedFuture(new IOException("Connection refused")) : delegate.batch(commands);
    }
}
