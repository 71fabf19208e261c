package org.smartenergy.platform.queue;

import com.rabbitmq.client.AMQP;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smartenergy.platform.queue.UnconfirmedException.Cause;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Publishes messages to one exchange with publisher confirms: {@link #publish} returns one future per message that
 * completes on the broker's ack and fails with an {@link UnconfirmedException} on a nack, when no confirm comes within
 * the confirm timeout, or when the connection or channel is lost or replaced before the confirm.
 *
 * <p>All state is confined to the context given to the constructor; every method must be called on it. Callbacks the
 * channel runs on other threads (the delivery-tag handler, confirms) are moved onto it with {@code runOnContext}.
 *
 * <p>Delivery tags restart on every new channel, so each (re)connection opens a new <em>generation</em>
 * ({@link #newGeneration}): messages of an earlier generation are failed and confirms that arrive for them are
 * ignored, so a confirm can never be credited to a message it does not belong to. A tag that does not grow means the
 * client replaced the channel on its own: that message fails and confirms are re-enabled on the new channel.
 */
public final class ConfirmingPublisher {

    private static final Logger log = LoggerFactory.getLogger(ConfirmingPublisher.class);

    private final Context context;
    private final ConfirmChannel channel;
    private final String exchange;
    private final String routingKey;
    private final long confirmTimeoutMs;
    private final String connectionName;

    /** Messages published but not yet confirmed or failed, in publishing order. */
    private final Set<Pending> unconfirmed = new LinkedHashSet<>();
    /** Published messages of the current generation, by delivery tag. */
    private final TreeMap<Long, Pending> awaitingConfirm = new TreeMap<>();
    /** Incremented whenever the channel changes; confirms of another generation are ignored. */
    private long generation;
    /** Highest delivery tag seen in the current generation: a lower one means the channel was replaced. */
    private long lastDeliveryTag;
    /** True while the channel is in confirm mode and our confirm listener is attached to it. */
    private boolean ready;
    private Promise<Void> drained;

    /**
     * @param context          the context all calls and callbacks run on
     * @param channel          the broker channel
     * @param exchange         where messages are published
     * @param routingKey       their routing key
     * @param confirmTimeoutMs how long a message waits for its confirm before it fails with {@link Cause#TIMEOUT}
     * @param connectionName   the connection's name, for log lines
     */
    public ConfirmingPublisher(Context context, ConfirmChannel channel, String exchange, String routingKey,
                               long confirmTimeoutMs, String connectionName) {
        this.context = Objects.requireNonNull(context, "context");
        this.channel = Objects.requireNonNull(channel, "channel");
        this.exchange = Objects.requireNonNull(exchange, "exchange");
        this.routingKey = Objects.requireNonNull(routingKey, "routingKey");
        this.confirmTimeoutMs = confirmTimeoutMs;
        this.connectionName = connectionName;
    }

    /** @return the current generation (incremented on every new channel) */
    public long generation() {
        return generation;
    }

    /** @return true while confirms are enabled on the current channel, i.e. {@link #publish} can succeed */
    public boolean isReady() {
        return ready;
    }

    /**
     * Starts a new generation because the channel is new (a (re)connection): every message still waiting for a
     * confirm fails with {@link Cause#CONNECTION}, its confirm can't come. Call {@link #enableConfirms} next.
     *
     * @param reason the failure text of the messages that were waiting
     * @return the new generation
     */
    public long newGeneration(String reason) {
        generation++;
        lastDeliveryTag = 0;
        ready = false;
        failAllUnconfirmed(reason);
        return generation;
    }

    /**
     * Puts the channel of generation {@code gen} into confirm mode with our listener attached; the publisher is
     * ready once it succeeds, unless a newer generation started meanwhile.
     */
    public Future<Void> enableConfirms(long gen) {
        return channel.enableConfirms(
                        confirmation -> context.runOnContext(v -> onConfirm(gen, confirmation)),
                        e -> log.warn("confirm stream failed [generation: {}]", gen, e))
                .map(v -> {
                    if (gen == generation) {
                        ready = true;
                    }
                    return null;
                });
    }

    /** Fails every unconfirmed message at once if the connection was lost while we were ready. */
    public void checkConnection() {
        if (ready && !channel.isConnected()) {
            log.warn("connection to the broker lost [connection: {}]; failing unconfirmed batches", connectionName);
            ready = false;
            failAllUnconfirmed("connection to the broker was lost before the batch was confirmed");
        }
    }

    /**
     * Publishes one message.
     *
     * @param written told once whether the message was written: succeeded when the channel's publish call returned,
     *                failed when it failed or the message was never handed to the channel; always called before the
     *                returned future fails for that reason
     * @return the delivery tag, once the broker acked the message; an {@link UnconfirmedException} otherwise
     */
    public Future<Long> publish(AMQP.BasicProperties properties, Buffer body, Handler<AsyncResult<Void>> written) {
        Pending pending = new Pending(generation);
        unconfirmed.add(pending);
        pending.timerId = context.owner().setTimer(confirmTimeoutMs, id -> {
            pending.timerId = -1;
            fail(pending, Cause.TIMEOUT, "broker did not confirm within " + confirmTimeoutMs + " ms");
        });
        if (!ready || !channel.isConnected()) {
            written.handle(Future.failedFuture("broker unavailable: not connected"));
            fail(pending, Cause.CONNECTION, "broker unavailable: not connected");
            return pending.promise.future();
        }
        Future<Void> published;
        try {
            // the tag handler runs on a worker thread just before the frame is written; registering via our
            // context's queue guarantees the message is known before its confirm can be handled
            published = channel.publish(exchange, routingKey, properties, body,
                    tag -> context.runOnContext(v -> onDeliveryTag(pending, tag)));
        } catch (RuntimeException e) {
            // the client throws instead of failing the future when the connection is already closed
            published = Future.failedFuture(e);
        }
        published.onComplete(ar -> {
            written.handle(ar);
            if (ar.failed()) {
                fail(pending, Cause.CONNECTION, "publishing to the broker failed: " + ar.cause().getMessage());
            }
        });
        return pending.promise.future();
    }

    /** @return completes once no published message waits for its confirm any more (each has its timeout) */
    public Future<Void> drained() {
        if (drained == null) {
            drained = Promise.promise();
        }
        if (unconfirmed.isEmpty()) {
            drained.tryComplete();
        }
        return drained.future();
    }

    private void onDeliveryTag(Pending pending, long tag) {
        if (pending.done) {
            return; // timed out or failed meanwhile; a late confirm for it is ignored
        }
        if (pending.generation != generation || !ready) {
            fail(pending, Cause.CONNECTION, "connection to the broker changed while publishing");
            return;
        }
        if (tag <= lastDeliveryTag) {
            // tags only grow on a channel (0: not in confirm mode): the client replaced the channel after a channel
            // error, and our confirm listener is not on the new one
            log.warn("broker channel was replaced [connection: {}, tag: {}, last tag: {}]; re-attaching confirms",
                    connectionName, tag, lastDeliveryTag);
            fail(pending, Cause.CONNECTION, "broker channel was replaced while publishing");
            long gen = newGeneration("broker channel was replaced before the batch was confirmed");
            enableConfirms(gen).onFailure(e -> log.warn(
                    "re-attaching the confirm listener failed [connection: {}]: {}", connectionName, e.getMessage()));
            return;
        }
        lastDeliveryTag = tag;
        pending.deliveryTag = tag;
        awaitingConfirm.put(tag, pending);
    }

    private void onConfirm(long gen, ConfirmChannel.Confirmation confirmation) {
        if (gen != generation) {
            return; // a confirm from an earlier channel: its messages were already failed
        }
        long tag = confirmation.deliveryTag();
        List<Pending> confirmed;
        if (confirmation.multiple()) {
            confirmed = new ArrayList<>(awaitingConfirm.headMap(tag, true).values());
        } else {
            Pending pending = awaitingConfirm.get(tag);
            confirmed = pending == null ? List.of() : List.of(pending);
        }
        for (Pending pending : confirmed) {
            if (confirmation.ack()) {
                if (finish(pending)) {
                    pending.promise.complete(pending.deliveryTag);
                    checkDrained();
                }
            } else {
                fail(pending, Cause.NACK, "broker refused the batch");
            }
        }
    }

    private void fail(Pending pending, Cause cause, String reason) {
        if (finish(pending)) {
            pending.promise.fail(new UnconfirmedException(cause, reason));
            checkDrained();
        }
    }

    /** @return false if the message had already been answered */
    private boolean finish(Pending pending) {
        if (pending.done) {
            return false;
        }
        pending.done = true;
        if (pending.timerId != -1) {
            context.owner().cancelTimer(pending.timerId);
            pending.timerId = -1;
        }
        unconfirmed.remove(pending);
        if (pending.deliveryTag > 0 && awaitingConfirm.get(pending.deliveryTag) == pending) {
            awaitingConfirm.remove(pending.deliveryTag);
        }
        return true;
    }

    private void checkDrained() {
        if (drained != null && unconfirmed.isEmpty()) {
            drained.tryComplete();
        }
    }

    private void failAllUnconfirmed(String reason) {
        for (Pending pending : new ArrayList<>(unconfirmed)) {
            fail(pending, Cause.CONNECTION, reason);
        }
        awaitingConfirm.clear();
    }

    /** One published message waiting for its confirm. */
    private static final class Pending {
        final Promise<Long> promise = Promise.promise();
        final long generation;
        long timerId = -1;
        long deliveryTag;
        boolean done;

        Pending(long generation) {
            this.generation = generation;
        }
    }
}
