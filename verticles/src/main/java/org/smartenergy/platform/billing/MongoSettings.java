package org.smartenergy.platform.billing;

import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.domain.ConfigKeys;

import java.util.Objects;
import java.util.Set;

/**
 * The {@code mongo} section of the configuration.
 *
 * @param connectionString         MongoDB connection string; default {@value #DEFAULT_CONNECTION_STRING}. The write
 *                                 concern comes from here: production keeps {@code w=majority&journal=true} so a
 *                                 stored reading survives a primary failover before billing acks the message.
 * @param database                 database name; default {@value #DEFAULT_DATABASE}
 * @param serverSelectionTimeoutMs how long an operation waits for a usable server before failing; default
 *                                 {@value #DEFAULT_SERVER_SELECTION_TIMEOUT_MS}. Short on purpose: a failed store is
 *                                 retried by the consumer, it should not hang 30 s (the driver default) first.
 * @param connectTimeoutMs         TCP connect timeout; default {@value #DEFAULT_CONNECT_TIMEOUT_MS}
 */
public record MongoSettings(String connectionString, String database, long serverSelectionTimeoutMs,
                            long connectTimeoutMs) {

    /** The config section holding these settings. */
    public static final String SECTION = "mongo";
    /**
     * Every key of the section; {@code embedded} is the development store's own section ({@code mongo.embedded},
     * read by {@code node/EmbeddedMongo}).
     */
    public static final Set<String> KEYS = Set.of("connectionString", "database", "serverSelectionTimeoutMs",
            "connectTimeoutMs", "embedded");

    public static final String DEFAULT_CONNECTION_STRING = "mongodb://127.0.0.1:27017/?w=majority&journal=true";
    public static final String DEFAULT_DATABASE = "energy";
    public static final long DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 3000;
    public static final long DEFAULT_CONNECT_TIMEOUT_MS = 3000;

    /** All defaults. */
    public static final MongoSettings DEFAULTS = new MongoSettings(DEFAULT_CONNECTION_STRING, DEFAULT_DATABASE,
            DEFAULT_SERVER_SELECTION_TIMEOUT_MS, DEFAULT_CONNECT_TIMEOUT_MS);

    public MongoSettings {
        Objects.requireNonNull(connectionString, "connectionString");
        Objects.requireNonNull(database, "database");
        if (!connectionString.startsWith("mongodb://") && !connectionString.startsWith("mongodb+srv://")) {
            throw new IllegalArgumentException("mongo.connectionString must start with mongodb:// or mongodb+srv://");
        }
        if (database.isBlank()) {
            throw new IllegalArgumentException("mongo.database must not be blank");
        }
        if (serverSelectionTimeoutMs <= 0 || connectTimeoutMs <= 0) {
            throw new IllegalArgumentException("mongo.serverSelectionTimeoutMs and connectTimeoutMs must be > 0");
        }
    }

    /** Reads the {@code mongo} section; absent keys take their defaults, unknown keys are refused. */
    public static MongoSettings fromJson(JsonObject json) {
        JsonObject j = json == null ? new JsonObject() : json;
        ConfigKeys.requireKnown(SECTION, j.fieldNames(), KEYS);
        try {
            return new MongoSettings(
                    j.getString("connectionString", DEFAULT_CONNECTION_STRING),
                    j.getString("database", DEFAULT_DATABASE),
                    j.getLong("serverSelectionTimeoutMs", DEFAULT_SERVER_SELECTION_TIMEOUT_MS),
                    j.getLong("connectTimeoutMs", DEFAULT_CONNECT_TIMEOUT_MS));
        } catch (ClassCastException e) {
            throw new IllegalArgumentException("mongo: wrong value type: " + e.getMessage(), e);
        }
    }

    /**
     * @return the configuration for {@code MongoClient.createShared(vertx, config, poolName)}; the timeouts given
     * here override those of the connection string
     */
    public JsonObject toClientConfig() {
        return new JsonObject()
                .put("connection_string", connectionString)
                .put("db_name", database)
                .put("serverSelectionTimeoutMS", serverSelectionTimeoutMs)
                .put("connectTimeoutMS", connectTimeoutMs);
    }
}
