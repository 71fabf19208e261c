package org.smartenergy.platform.queue;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.rabbitmq.RabbitMQClient;
import org.smartenergy.platform.domain.ConfigKeys;

import java.util.Objects;
import java.util.Set;

/**
 * The broker topology the platform declares itself: a durable direct exchange routing reading batches into a
 * durable queue (quorum by default), whose rejected messages go through a dead-letter exchange into a dead-letter
 * queue. Declaring is idempotent; both the publisher and the consumer apply it on every (re)connection.
 *
 * @param exchange           durable direct exchange readings are published to
 * @param queue              the queue billing consumes from
 * @param routingKey         routing key binding {@code queue} to {@code exchange}
 * @param deadLetterExchange durable fanout exchange for messages the consumer rejects
 * @param deadLetterQueue    durable queue holding dead letters for an operator to inspect
 * @param queueType          {@code quorum} (default) or {@code classic} (for brokers without quorum queues)
 */
public record QueueTopology(String exchange, String queue, String routingKey,
                            String deadLetterExchange, String deadLetterQueue, String queueType) {

    /** The config section holding the topology. */
    public static final String SECTION = "rabbitmq.topology";
    /** Every key of the section; any other is refused. */
    public static final Set<String> KEYS = Set.of("exchange", "queue", "routingKey", "deadLetterExchange",
            "deadLetterQueue", "queueType");

    /** The names documented in README. */
    public static final QueueTopology DEFAULTS = new QueueTopology(
            "energy.readings", "energy.readings.billing", "readings",
            "energy.readings.dlx", "energy.readings.dead", "quorum");

    public QueueTopology {
        Objects.requireNonNull(exchange, "exchange");
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(routingKey, "routingKey");
        Objects.requireNonNull(deadLetterExchange, "deadLetterExchange");
        Objects.requireNonNull(deadLetterQueue, "deadLetterQueue");
        if (!"quorum".equals(queueType) && !"classic".equals(queueType)) {
            throw new IllegalArgumentException("queueType must be quorum or classic, was " + queueType);
        }
    }

    /** Reads the {@code rabbitmq.topology} section of the configuration; absent keys take the defaults, unknown ones are refused. */
    public static QueueTopology fromJson(JsonObject json) {
        JsonObject j = json == null ? new JsonObject() : json;
        ConfigKeys.requireKnown(SECTION, j.fieldNames(), KEYS);
        return new QueueTopology(
                j.getString("exchange", DEFAULTS.exchange),
                j.getString("queue", DEFAULTS.queue),
                j.getString("routingKey", DEFAULTS.routingKey),
                j.getString("deadLetterExchange", DEFAULTS.deadLetterExchange),
                j.getString("deadLetterQueue", DEFAULTS.deadLetterQueue),
                j.getString("queueType", DEFAULTS.queueType));
    }

    /** @return a copy whose names all carry the suffix; tests use it to stay out of each other's way */
    public QueueTopology withSuffix(String suffix) {
        return new QueueTopology(exchange + suffix, queue + suffix, routingKey, deadLetterExchange + suffix,
                deadLetterQueue + suffix, queueType);
    }

    /** Declares exchanges, queues and bindings; safe to call again on every connection. */
    public Future<Void> declare(RabbitMQClient client) {
        JsonObject queueArgs = new JsonObject()
                .put("x-queue-type", queueType)
                .put("x-dead-letter-exchange", deadLetterExchange);
        JsonObject dlqArgs = new JsonObject().put("x-queue-type", queueType);
        return client.exchangeDeclare(deadLetterExchange, "fanout", true, false)
                .compose(v -> client.queueDeclare(deadLetterQueue, true, false, false, dlqArgs))
                .compose(ok -> client.queueBind(deadLetterQueue, deadLetterExchange, ""))
                .compose(v -> client.exchangeDeclare(exchange, "direct", true, false))
                .compose(v -> client.queueDeclare(queue, true, false, false, queueArgs))
                .compose(ok -> client.queueBind(queue, exchange, routingKey));
    }
}
