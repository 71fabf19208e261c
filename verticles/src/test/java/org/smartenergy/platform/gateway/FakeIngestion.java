package org.smartenergy.platform.gateway;

import com.google.protobuf.InvalidProtocolBufferException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.ingestion.IngestionApi;
import org.smartenergy.proto.v1.Reading;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Stands in for ingestion on {@link IngestionApi#ADDRESS}: replies as the test decides, and records what it got.
 * In {@link Reply#HOLD} mode it keeps requests unanswered (counting how many it holds at most) until released.
 */
final class FakeIngestion {

    /** What to answer to one reading. */
    record Reply(String outcome, String reason, int failureCode) {
        static final Reply ACCEPT = new Reply(IngestionApi.ACCEPTED, null, 0);
        static final Reply HOLD = new Reply(null, null, 0);

        static Reply reject(String reason) {
            return new Reply(IngestionApi.REJECTED, reason, 0);
        }

        static Reply fail(int code) {
            return new Reply(null, "failure " + code, code);
        }
    }

    private final Vertx vertx;
    private final Queue<Message<Buffer>> held = new ArrayDeque<>();
    final Queue<Reading> received = new ConcurrentLinkedQueue<>();
    final Queue<String> deviceHeaders = new ConcurrentLinkedQueue<>();
    final AtomicInteger heldNow = new AtomicInteger();
    final AtomicInteger maxHeld = new AtomicInteger();
    private volatile Function<Reading, Reply> responder = r -> Reply.ACCEPT;
    private volatile Context context;
    private MessageConsumer<Buffer> consumer;
    private long releaseTimer = -1;

    FakeIngestion(Vertx vertx) {
        this.vertx = vertx;
    }

    Future<Void> register() {
        Promise<Void> registered = Promise.promise();
        vertx.runOnContext(v -> {
            context = Vertx.currentContext();
            consumer = vertx.eventBus().consumer(IngestionApi.ADDRESS, this::onMessage);
            consumer.completion().onComplete(registered);
        });
        return registered.future();
    }

    Future<Void> unregister() {
        Promise<Void> done = Promise.promise();
        context.runOnContext(v -> {
            if (consumer.isRegistered()) {
                consumer.unregister().onComplete(done);
            } else {
                done.complete();
            }
        });
        return done.future();
    }

    void respond(Function<Reading, Reply> responder) {
        this.responder = responder;
    }

    /** Answers every held request with ACCEPTED now, and from then on every {@code periodMs}. */
    void releaseHeldEvery(long periodMs) {
        context.runOnContext(v -> {
            releaseHeld();
            releaseTimer = vertx.setPeriodic(periodMs, id -> releaseHeld());
        });
    }

    void stopReleasing() {
        context.runOnContext(v -> vertx.cancelTimer(releaseTimer));
    }

    private void releaseHeld() {
        Message<Buffer> message;
        while ((message = held.poll()) != null) {
            heldNow.decrementAndGet();
            message.reply(new JsonObject().put(IngestionApi.FIELD_OUTCOME, IngestionApi.ACCEPTED));
        }
    }

    private void onMessage(Message<Buffer> message) {
        Reading reading;
        try {
            reading = Reading.parseFrom(message.body().getBytes());
        } catch (InvalidProtocolBufferException e) {
            message.fail(500, "not a reading");
            return;
        }
        received.add(reading);
        deviceHeaders.add(String.valueOf(message.headers().get(IngestionApi.HEADER_DEVICE)));
        Reply reply = responder.apply(reading);
        if (reply == Reply.HOLD) {
            held.add(message);
            int now = heldNow.incrementAndGet();
            maxHeld.accumulateAndGet(now, Math::max);
        } else if (reply.failureCode() != 0) {
            message.fail(reply.failureCode(), reply.reason());
        } else {
            JsonObject body = new JsonObject().put(IngestionApi.FIELD_OUTCOME, reply.outcome());
            if (reply.reason() != null) {
                body.put(IngestionApi.FIELD_REASON, reply.reason()).put(IngestionApi.FIELD_CODE, "test_reason");
            }
            message.reply(body);
        }
    }
}
