package org.smartenergy.platform.queue;

import com.rabbitmq.client.AMQP;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.rabbitmq.RabbitMQClient;

import java.util.Objects;

/** {@link ConfirmChannel} over the channel of a vertx-rabbitmq-client {@link RabbitMQClient}. */
public final class RabbitMQConfirmChannel implements ConfirmChannel {

    /** Confirms buffered by the client before our handler is attached; the handler drains them at once. */
    private static final int CONFIRM_QUEUE_SIZE = 100_000;

    private final RabbitMQClient client;

    public RabbitMQConfirmChannel(RabbitMQClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    @Override
    public boolean isConnected() {
        return client.isConnected();
    }

    @Override
    public Future<Void> enableConfirms(Handler<Confirmation> confirms, Handler<Throwable> failures) {
        return client.confirmSelect()
                .compose(v -> client.addConfirmListener(CONFIRM_QUEUE_SIZE))
                .map(stream -> {
                    stream.exceptionHandler(failures);
                    stream.handler(c -> confirms.handle(
                            new Confirmation(c.getDeliveryTag(), c.isMultiple(), c.isSucceeded())));
                    return null;
                });
    }

    @Override
    public Future<Void> publish(String exchange, String routingKey, AMQP.BasicProperties properties, Buffer body,
                                Handler<Long> deliveryTag) {
        return client.basicPublishWithDeliveryTag(exchange, routingKey, properties, body, deliveryTag);
    }
}
