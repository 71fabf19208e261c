package org.smartenergy.platform.billing;

import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.RedisOptions;
import org.smartenergy.platform.domain.ConfigKeys;

import java.util.Objects;
import java.util.Set;

/**
 * The {@code redis} section of the configuration. Redis only caches (latest reading, running totals), so every
 * timeout is short: a Redis outage must cost the consumer a few hundred milliseconds, never its acks.
 *
 * @param connectionString  Redis URI; default {@value #DEFAULT_CONNECTION_STRING}
 * @param connectTimeoutMs  TCP connect timeout; default {@value #DEFAULT_CONNECT_TIMEOUT_MS}
 * @param commandTimeoutMs  how long one cache update may take before it is abandoned (the client has no command
 *                          timeout of its own); default {@value #DEFAULT_COMMAND_TIMEOUT_MS}
 * @param maxWaitingHandlers commands that may wait for replies on a connection before new ones fail fast; default
 *                          {@value #DEFAULT_MAX_WAITING_HANDLERS}
 * @param maxPoolSize       connections in the pool; default {@value #DEFAULT_MAX_POOL_SIZE}
 * @param maxPoolWaiting    requests that may wait for a pooled connection before new ones fail fast; default
 *                          {@value #DEFAULT_MAX_POOL_WAITING}
 */
public record RedisSettings(String connectionString, int connectTimeoutMs, long commandTimeoutMs,
                            int maxWaitingHandlers, int maxPoolSize, int maxPoolWaiting) {

    /** The config section holding these settings. */
    public static final String SECTION = "redis";
    /** Every key of the section; any other is refused. */
    public static final Set<String> KEYS = Set.of("connectionString", "connectTimeoutMs", "commandTimeoutMs",
            "maxWaitingHandlers", "maxPoolSize", "maxPoolWaiting");

    public static final String DEFAULT_CONNECTION_STRING = "redis://127.0.0.1:6379";
    public static final int DEFAULT_CONNECT_TIMEOUT_MS = 500;
    public static final long DEFAULT_COMMAND_TIMEOUT_MS = 1000;
    public static final int DEFAULT_MAX_WAITING_HANDLERS = 1024;
    public static final int DEFAULT_MAX_POOL_SIZE = 8;
    public static final int DEFAULT_MAX_POOL_WAITING = 1024;

    /** All defaults. */
    public static final RedisSettings DEFAULTS = new RedisSettings(DEFAULT_CONNECTION_STRING,
            DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_MAX_WAITING_HANDLERS,
            DEFAULT_MAX_POOL_SIZE, DEFAULT_MAX_POOL_WAITING);

    public RedisSettings {
        Objects.requireNonNull(connectionString, "connectionString");
        if (!connectionString.startsWith("redis://") && !connectionString.startsWith("rediss://")
                && !connectionString.startsWith("unix://")) {
            throw new IllegalArgumentException("redis.connectionString must be a redis://, rediss:// or unix:// URI");
        }
        if (connectTimeoutMs <= 0 || commandTimeoutMs <= 0 || maxWaitingHandlers <= 0 || maxPoolSize <= 0
                || maxPoolWaiting < 0) {
            throw new IllegalArgumentException("redis timeouts and pool sizes must be > 0");
        }
    }

    /** Reads the {@code redis} section; absent keys take their defaults, unknown keys are refused. */
    public static RedisSettings fromJson(JsonObject json) {
        JsonObject j = json == null ? new JsonObject() : json;
        ConfigKeys.requireKnown(SECTION, j.fieldNames(), KEYS);
        try {
            return new RedisSettings(
                    j.getString("connectionString", DEFAULT_CONNECTION_STRING),
                    j.getInteger("connectTimeoutMs", DEFAULT_CONNECT_TIMEOUT_MS),
                    j.getLong("commandTimeoutMs", DEFAULT_COMMAND_TIMEOUT_MS),
                    j.getInteger("maxWaitingHandlers", DEFAULT_MAX_WAITING_HANDLERS),
                    j.getInteger("maxPoolSize", DEFAULT_MAX_POOL_SIZE),
                    j.getInteger("maxPoolWaiting", DEFAULT_MAX_POOL_WAITING));
        } catch (ClassCastException e) {
            throw new IllegalArgumentException("redis: wrong value type: " + e.getMessage(), e);
        }
    }

    /** @return a copy pointing at another server */
    public RedisSettings withConnectionString(String value) {
        return new RedisSettings(value, connectTimeoutMs, commandTimeoutMs, maxWaitingHandlers, maxPoolSize,
                maxPoolWaiting);
    }

    /** @return the options for {@code Redis.createClient(vertx, options)} */
    public RedisOptions toRedisOptions() {
        return new RedisOptions()
                .setConnectionString(connectionString)
                .setMaxWaitingHandlers(maxWaitingHandlers)
                .setMaxPoolSize(maxPoolSize)
                .setMaxPoolWaiting(maxPoolWaiting)
                .setNetClientOptions(new NetClientOptions()
                        .setConnectTimeout(connectTimeoutMs)
                        .setTcpNoDelay(true)
                        .setTcpKeepAlive(true));
    }
}
