package org.smartenergy.platform.queue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.rabbitmq.RabbitMQClient;
import io.vertx.rabbitmq.RabbitMQOptions;
import org.smartenergy.platform.domain.ConfigKeys;

import java.util.Objects;
import java.util.Set;

/**
 * The {@code rabbitmq} section of the configuration: how to reach the broker and the topology to declare.
 *
 * @param uri                 AMQP URI; default {@code amqp://guest:guest@127.0.0.1:5672}
 * @param reconnectIntervalMs pause between reconnection attempts after the connection is lost; default 1000.
 *                            The client retries forever: vertx-rabbitmq-client does not reconnect unless told to.
 * @param connectionTimeoutMs TCP connect and AMQP handshake timeout; default 5000
 * @param topology            exchange and queue names, {@code rabbitmq.topology}; defaults in
 *                            {@link QueueTopology#DEFAULTS}
 */
public record RabbitSettings(String uri, long reconnectIntervalMs, int connectionTimeoutMs, QueueTopology topology) {

    /** The config section holding these settings. */
    public static final String SECTION = "rabbitmq";
    /** Every key of the section ({@code topology} is a section of its own, {@link QueueTopology#KEYS}). */
    public static final Set<String> KEYS = Set.of("uri", "reconnectIntervalMs", "connectionTimeoutMs", "topology");

    /** Default broker address. */
    public static final String DEFAULT_URI = "amqp://guest:guest@127.0.0.1:5672";

    public RabbitSettings {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(topology, "topology");
        if (reconnectIntervalMs <= 0 || connectionTimeoutMs <= 0) {
            throw new IllegalArgumentException("rabbitmq.reconnectIntervalMs and connectionTimeoutMs must be > 0");
        }
    }

    /** Reads the {@code rabbitmq} section; absent keys take their defaults, unknown keys are refused. */
    public static RabbitSettings fromJson(JsonObject json) {
        JsonObject j = json == null ? new JsonObject() : json;
        ConfigKeys.requireKnown(SECTION, j.fieldNames(), KEYS);
        return new RabbitSettings(
                j.getString("uri", DEFAULT_URI),
                j.getLong("reconnectIntervalMs", 1000L),
                j.getInteger("connectionTimeoutMs", 5000),
                QueueTopology.fromJson(j.getJsonObject("topology")));
    }

    /**
     * Creates a client that reconnects forever. Call it from the verticle that will use the client (in its
     * {@code start()}), so the client's callbacks run on that verticle's context. The caller registers its
     * connection-established callback (declarations, qos) before {@code start()}.
     */
    public RabbitMQClient newClient(Vertx vertx, String connectionName) {
        RabbitMQOptions options = new RabbitMQOptions()
                .setUri(uri)
                .setConnectionName(connectionName)
                .setConnectionTimeout(connectionTimeoutMs)
                .setHandshakeTimeout(connectionTimeoutMs)
                // the Java client's own recovery would fight the Vert.x client's reconnect loop
                .setAutomaticRecoveryEnabled(false)
                .setReconnectAttempts(Integer.MAX_VALUE)
                .setReconnectInterval(reconnectIntervalMs);
        return RabbitMQClient.create(vertx, options);
    }
}
