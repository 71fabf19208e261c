package org.smartenergy.platform.billing;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.rabbitmq.RabbitMQClient;
import org.smartenergy.platform.queue.QueueTopology;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The queue-depth gauges billing exports: {@value BillingVerticle#BACKLOG_METRIC} (ready messages in the readings
 * queue, tagged {@code queue}) and {@value BillingVerticle#DEAD_LETTERS_METRIC}, polled every
 * {@value #POLL_MS} ms over billing's own connection while it is up (a gauge keeps its last value meanwhile).
 */
final class QueueGauges {

    static final long POLL_MS = 5_000;

    private final Vertx vertx;
    private final QueueTopology topology;
    private final Supplier<RabbitMQClient> client;
    private final AtomicLong backlog = new AtomicLong();
    private final AtomicLong deadLetters = new AtomicLong();
    private long timer = -1;

    /**
     * @param client the verticle's broker client, read at each poll (null or disconnected: the poll is skipped)
     */
    QueueGauges(Vertx vertx, QueueTopology topology, Supplier<RabbitMQClient> client, MeterRegistry metrics) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.topology = Objects.requireNonNull(topology, "topology");
        this.client = Objects.requireNonNull(client, "client");
        Gauge.builder(BillingVerticle.BACKLOG_METRIC, backlog, AtomicLong::get)
                .description("Messages (reading batches) ready in the readings queue, polled by billing")
                .tag("queue", topology.queue())
                .register(metrics);
        Gauge.builder(BillingVerticle.DEAD_LETTERS_METRIC, deadLetters, AtomicLong::get)
                .description("Messages waiting in the dead-letter queue, polled by billing")
                .register(metrics);
    }

    /** Starts polling. */
    void start() {
        timer = vertx.setPeriodic(POLL_MS, id -> poll());
    }

    /** Stops polling. */
    void stop() {
        if (timer != -1) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    /** Polls the depth of the readings queue and the dead-letter queue for the backlog gauges. */
    private void poll() {
        RabbitMQClient c = client.get();
        if (c == null || !c.isConnected()) {
            return;
        }
        c.messageCount(topology.queue()).onSuccess(backlog::set);
        c.messageCount(topology.deadLetterQueue()).onSuccess(deadLetters::set);
    }
}
