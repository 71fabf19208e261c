package org.smartenergy.platform.queue;

import com.rabbitmq.client.AMQP;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;

/**
 * The part of a broker client that {@link ConfirmingPublisher} talks to: a channel that can be put into confirm mode
 * and published to. In production it is {@link RabbitMQConfirmChannel} over vertx-rabbitmq-client; tests use a fake.
 *
 * <p>The client behind it may replace its channel (after a channel error or a reconnection): delivery tags then
 * restart and confirms of the old channel never come. Handlers may be called on any thread.
 */
public interface ConfirmChannel {

    /** @return true while the connection to the broker is open */
    boolean isConnected();

    /**
     * Puts the current channel into confirm mode and sends its confirms to {@code confirms}.
     *
     * @param confirms where the broker's acks and nacks of this channel go
     * @param failures where a failure of the confirm stream goes
     */
    Future<Void> enableConfirms(Handler<Confirmation> confirms, Handler<Throwable> failures);

    /**
     * Publishes one message. May throw instead of failing the future (the RabbitMQ client does when the connection is
     * already closed).
     *
     * @param deliveryTag told the message's delivery tag just before the message is written
     * @return completes when the client's publish call returned (not when the broker confirmed)
     */
    Future<Void> publish(String exchange, String routingKey, AMQP.BasicProperties properties, Buffer body,
                         Handler<Long> deliveryTag);

    /**
     * One confirm from the broker.
     *
     * @param deliveryTag the tag confirmed (with {@code multiple}: every tag up to and including it)
     * @param multiple    true when the confirm covers every outstanding tag up to {@code deliveryTag}
     * @param ack         true for an ack, false for a nack
     */
    record Confirmation(long deliveryTag, boolean multiple, boolean ack) {
    }
}
