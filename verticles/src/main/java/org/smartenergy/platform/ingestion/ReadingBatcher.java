package org.smartenergy.platform.ingestion;

import com.rabbitmq.client.AMQP;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smartenergy.platform.domain.MeterReading;
import org.smartenergy.platform.queue.ConfirmingPublisher;
import org.smartenergy.platform.queue.ReadingBatchCodec;
import org.smartenergy.platform.queue.UnconfirmedException;
import org.smartenergy.platform.queue.UnconfirmedException.Cause;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The open batch of one ingestion instance and the pending budget: collects valid readings into AMQP batches of at
 * most {@link IngestionOptions#batchMaxReadings()} (or {@link IngestionOptions#batchMaxDelayMs()}), publishes each
 * through the {@link ConfirmingPublisher} and answers each reading once its batch was confirmed or failed.
 *
 * <p>Confined to the verticle's context, like the publisher.
 */
final class ReadingBatcher {

    /** The verticle logs under its own name: operators grep for it. */
    private static final Logger log = LoggerFactory.getLogger(IngestionVerticle.class);
    private static final int PERSISTENT = 2;

    private final Vertx vertx;
    private final IngestionOptions options;
    private final ConfirmingPublisher publisher;
    private final IngestionMetrics meters;

    /** Wall-clock time the first reading of the open batch was received (for receive-to-stored latency). */
    private long openSinceMs;
    private List<ReadingReply> openReplies = new ArrayList<>();
    private List<MeterReading> openReadings = new ArrayList<>();
    private long openTimerId = -1;
    /** Readings in the open batch plus readings in batches not yet confirmed or failed. */
    private int pendingReadings;
    /**
     * Readings of batches already answered (timed out) whose publish call has not returned yet: while the broker
     * blocks publishers the client's publish tasks queue up holding their message bodies, so they count against
     * {@link IngestionOptions#maxPendingReadings()} until they return.
     */
    private int stalledPublishReadings;
    private boolean stopping;

    ReadingBatcher(Vertx vertx, IngestionOptions options, ConfirmingPublisher publisher, IngestionMetrics meters) {
        this.vertx = vertx;
        this.options = options;
        this.publisher = publisher;
        this.meters = meters;
    }

    /**
     * Adds a valid reading to the open batch, or fails it at once: unavailable when shutting down or not connected,
     * overloaded beyond {@link IngestionOptions#maxPendingReadings()}.
     */
    void enqueue(ReadingReply reply, MeterReading reading) {
        if (stopping) {
            failReadings(List.of(reply), Cause.CONNECTION, "ingestion is shutting down");
            return;
        }
        if (!publisher.isReady()) {
            failReadings(List.of(reply), Cause.CONNECTION, "broker unavailable: not connected");
            return;
        }
        if (pendingReadings + stalledPublishReadings >= options.maxPendingReadings()) {
            meters.overloaded.increment();
            reply.overloaded("too many readings waiting for broker confirms (" + pendingReadings + "); retry later");
            return;
        }
        if (openReadings.isEmpty()) {
            openSinceMs = System.currentTimeMillis();
        }
        openReplies.add(reply);
        openReadings.add(reading);
        pendingReadings++;
        if (openReadings.size() >= options.batchMaxReadings()) {
            flush();
        } else if (openTimerId == -1) {
            openTimerId = vertx.setTimer(options.batchMaxDelayMs(), id -> {
                openTimerId = -1;
                flush();
            });
        }
    }

    /**
     * Refuses new readings from now on and publishes the open batch.
     *
     * @return completes once no batch waits for its confirm any more (each has its confirm timeout)
     */
    Future<Void> shutDown() {
        stopping = true;
        flush();
        return publisher.drained();
    }

    /** Closes the open batch and hands it to the broker. */
    private void flush() {
        if (openTimerId != -1) {
            vertx.cancelTimer(openTimerId);
            openTimerId = -1;
        }
        if (openReadings.isEmpty()) {
            return;
        }
        Batch batch = new Batch(UUID.randomUUID().toString(), openReplies, openReadings);
        openReplies = new ArrayList<>();
        openReadings = new ArrayList<>();
        AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder()
                .contentType(ReadingBatchCodec.CONTENT_TYPE)
                .deliveryMode(PERSISTENT)
                .messageId(batch.id)
                .headers(Map.of(ReadingBatchCodec.HEADER_RECEIVED_AT, openSinceMs))
                .build();
        Buffer body = ReadingBatchCodec.encode(batch.readings);
        long generation = publisher.generation();
        long publishedAtNanos = System.nanoTime();
        batch.publishing = true;
        publisher.publish(properties, body, written -> {
            batch.publishing = false;
            if (batch.done) {
                stalledPublishReadings -= batch.size();
            }
            if (written.succeeded()) {
                meters.published.increment(batch.size());
            }
        }).onComplete(confirmed -> {
            batch.done = true;
            pendingReadings -= batch.size();
            if (batch.publishing) {
                stalledPublishReadings += batch.size();
            }
            if (confirmed.succeeded()) {
                complete(batch, confirmed.result(), publishedAtNanos);
            } else {
                fail(batch, confirmed.cause());
            }
        });
        if (!batch.done && log.isDebugEnabled()) {
            log.debug("publishing batch [id: {}, readings: {}, generation: {}]", batch.id, batch.size(), generation);
        }
    }

    private void complete(Batch batch, long deliveryTag, long publishedAtNanos) {
        meters.confirmLatency.record(System.nanoTime() - publishedAtNanos, TimeUnit.NANOSECONDS);
        meters.confirmed.increment(batch.size());
        meters.accepted.increment(batch.size());
        for (ReadingReply reply : batch.replies) {
            reply.accepted();
        }
        if (log.isDebugEnabled()) {
            log.debug("batch confirmed [id: {}, readings: {}, tag: {}]", batch.id, batch.size(), deliveryTag);
        }
    }

    private void fail(Batch batch, Throwable failure) {
        Cause cause = failure instanceof UnconfirmedException u ? u.cause() : Cause.CONNECTION;
        String reason = failure.getMessage();
        if (cause == Cause.CONNECTION) {
            log.debug("batch not confirmed [id: {}, readings: {}, cause: {}]: {}", batch.id, batch.size(),
                    cause.tag(), reason);
        } else {
            log.warn("batch not confirmed [id: {}, readings: {}, cause: {}]: {}", batch.id, batch.size(),
                    cause.tag(), reason);
        }
        failReadings(batch.replies, cause, reason);
    }

    private void failReadings(List<ReadingReply> replies, Cause cause, String reason) {
        meters.unconfirmed(cause).increment(replies.size());
        for (ReadingReply reply : replies) {
            reply.unavailable(reason);
        }
    }

    /** One AMQP message: the readings and where their outcomes go. */
    private static final class Batch {
        final String id;
        final List<ReadingReply> replies;
        final List<MeterReading> readings;
        /** The publisher was told to publish it and the client's publish call has not returned yet. */
        boolean publishing;
        /** Confirmed or failed. */
        boolean done;

        Batch(String id, List<ReadingReply> replies, List<MeterReading> readings) {
            this.id = id;
            this.replies = replies;
            this.readings = readings;
        }

        int size() {
            return readings.size();
        }
    }
}
