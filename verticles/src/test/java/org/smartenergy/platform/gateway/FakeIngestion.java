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
import org.smartenergy.platform.ingestion.IngestionBatchCodec;
import org.smartenergy.proto.v1.Reading;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Stands in for ingestion: speaks the batch contract on {@link IngestionApi#BATCH_ADDRESS} (or, as a
 * {@link Contract#SINGLE} fake, only the old single-reading one on {@link IngestionApi#ADDRESS}), answers each reading
 * as the test decides, and records what it got. In {@link Reply#HOLD} mode it keeps readings unanswered (counting how
 * many it holds at most) until released; a batch request is answered when its last reading is.
 */
final class FakeIngestion {

    /** Which addresses the fake serves. */
    enum Contract { BATCH, SINGLE }

    /** What to answer to one reading. */
    record Reply(String outcome, String reason, int failureCode) {
        static final Reply ACCEPT = new Reply(IngestionApi.ACCEPTED, null, 0);
        static final Reply HOLD = new Reply(null, null, 0);

        static Reply reject(String reason) {
            return new Reply(IngestionApi.REJECTED, reason, 0);
        }

        /** {@link IngestionApi#FAILURE_UNAVAILABLE} or {@link IngestionApi#FAILURE_OVERLOADED} for this reading. */
        static Reply fail(int code) {
            return new Reply(null, "failure " + code, code);
        }
    }

    private final Vertx vertx;
    private final Contract contract;
    private final Queue<Runnable> held = new ArrayDeque<>();
    final Queue<Reading> received = new ConcurrentLinkedQueue<>();
    final Queue<String> deviceHeaders = new ConcurrentLinkedQueue<>();
    /** The readings of each request, in arrival order. */
    final Queue<List<Reading>> requests = new ConcurrentLinkedQueue<>();
    final AtomicInteger heldNow = new AtomicInteger();
    final AtomicInteger maxHeld = new AtomicInteger();
    private volatile Function<Reading, Reply> responder = r -> Reply.ACCEPT;
    /** When not 0, every request fails with this code (as {@code message.fail}), whatever its readings. */
    private volatile int requestFailureCode;
    private volatile Context context;
    private MessageConsumer<Buffer> consumer;
    private long releaseTimer = -1;

    FakeIngestion(Vertx vertx) {
        this(vertx, Contract.BATCH);
    }

    FakeIngestion(Vertx vertx, Contract contract) {
        this.vertx = vertx;
        this.contract = contract;
    }

    Future<Void> register() {
        Promise<Void> registered = Promise.promise();
        vertx.runOnContext(v -> {
            context = Vertx.currentContext();
            consumer = contract == Contract.BATCH
                    ? vertx.eventBus().consumer(IngestionApi.BATCH_ADDRESS, this::onBatch)
                    : vertx.eventBus().consumer(IngestionApi.ADDRESS, this::onSingle);
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

    /** Fails every request as a whole with {@code code} (0: answer per reading again). */
    void failRequests(int code) {
        this.requestFailureCode = code;
    }

    /** Answers every held reading with ACCEPTED now, and from then on every {@code periodMs}. */
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
        Runnable release;
        while ((release = held.poll()) != null) {
            heldNow.decrementAndGet();
            release.run();
        }
    }

    private void hold(Runnable release) {
        held.add(release);
        int now = heldNow.incrementAndGet();
        maxHeld.accumulateAndGet(now, Math::max);
    }

    // ---------------------------------------------------------------- batch contract

    private void onBatch(Message<Buffer> message) {
        List<IngestionBatchCodec.Entry> entries = IngestionBatchCodec.decodeRequest(message.body(),
                IngestionApi.MAX_BATCH_READINGS);
        List<Reading> readings = entries.stream().map(IngestionBatchCodec.Entry::reading).toList();
        requests.add(readings);
        received.addAll(readings);
        entries.forEach(e -> deviceHeaders.add(e.deviceId()));
        if (requestFailureCode != 0) {
            message.fail(requestFailureCode, "request failure " + requestFailureCode);
            return;
        }
        IngestionBatchCodec.Outcome[] outcomes = new IngestionBatchCodec.Outcome[entries.size()];
        int[] remaining = {entries.size()};
        boolean[] violated = {false};
        Runnable replyIfDone = () -> {
            if (remaining[0] == 0) {
                if (violated[0]) {
                    // outside the contract: an old-style JSON reply to a batch request
                    message.reply(new JsonObject().put(IngestionApi.FIELD_OUTCOME, "MAYBE"));
                } else {
                    message.reply(IngestionBatchCodec.encodeReply(Arrays.asList(outcomes)));
                }
            }
        };
        for (int i = 0; i < entries.size(); i++) {
            int index = i;
            Reply reply = responder.apply(readings.get(i));
            if (reply == Reply.HOLD) {
                hold(() -> {
                    outcomes[index] = IngestionBatchCodec.Outcome.ACCEPTED;
                    remaining[0]--;
                    replyIfDone.run();
                });
                continue;
            }
            if (reply.failureCode() == IngestionApi.FAILURE_UNAVAILABLE) {
                outcomes[i] = IngestionBatchCodec.Outcome.unavailable(reply.reason());
            } else if (reply.failureCode() == IngestionApi.FAILURE_OVERLOADED) {
                outcomes[i] = IngestionBatchCodec.Outcome.overloaded(reply.reason());
            } else if (IngestionApi.ACCEPTED.equals(reply.outcome())) {
                outcomes[i] = IngestionBatchCodec.Outcome.ACCEPTED;
            } else if (IngestionApi.REJECTED.equals(reply.outcome())) {
                outcomes[i] = IngestionBatchCodec.Outcome.rejected(reply.reason(), "test_reason");
            } else {
                violated[0] = true;
                outcomes[i] = IngestionBatchCodec.Outcome.ACCEPTED;
            }
            remaining[0]--;
        }
        replyIfDone.run();
    }

    // ---------------------------------------------------------------- single-reading contract

    private void onSingle(Message<Buffer> message) {
        Reading reading;
        try {
            reading = Reading.parseFrom(message.body().getBytes());
        } catch (InvalidProtocolBufferException e) {
            message.fail(500, "not a reading");
            return;
        }
        requests.add(List.of(reading));
        received.add(reading);
        deviceHeaders.add(String.valueOf(message.headers().get(IngestionApi.HEADER_DEVICE)));
        if (requestFailureCode != 0) {
            message.fail(requestFailureCode, "request failure " + requestFailureCode);
            return;
        }
        Reply reply = responder.apply(reading);
        if (reply == Reply.HOLD) {
            hold(() -> message.reply(new JsonObject().put(IngestionApi.FIELD_OUTCOME, IngestionApi.ACCEPTED)));
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
