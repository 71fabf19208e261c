package org.smartenergy.platform.gateway;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smartenergy.platform.ingestion.IngestionApi;
import org.smartenergy.platform.ingestion.IngestionBatchCodec;
import org.smartenergy.proto.v1.Reading;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The gateway's side of the {@link IngestionApi} event-bus contract: forwards readings and returns each one's final
 * outcome. Transient failures are passed on as the {@code ReplyException}s of the contract, for
 * {@link ErrorMapping} to classify.
 *
 * <p>Readings forwarded by the calls of one gateway instance (any streams, any devices) are handed over in batches:
 * one {@link IngestionApi#BATCH_ADDRESS} request per {@code maxReadings} readings or per {@code maxDelayMs} after the
 * first of them (0: at the end of the current event-loop turn), whichever comes first. Each caller still gets its
 * own outcome: a reading answered {@code UNAVAILABLE} or {@code OVERLOADED} fails its future exactly as a failed
 * single-reading reply would, and a failed request (no handler, timeout, {@code ReplyException}) fails every reading
 * in it with that failure. If no ingestion in the cluster serves the batch address (all predate it), the readings
 * are sent one by one to {@link IngestionApi#ADDRESS}.
 *
 * <p>On a clustered Vert.x, a batch in flight on an ingestion member that leaves the cluster (crash, SIGKILL,
 * partition) fails at once with {@code UNAVAILABLE} ("left the cluster") instead of after {@code timeoutMs}
 * ({@link IngestionMembers}). The event bus does not say which member a request went to: a request is bound to the
 * members serving ingestion when it was sent, so with several ingestion members, the batches in flight on the
 * survivors at that moment fail too. Their outcome is then unknown to the logger, which resends them; storage is
 * idempotent, so a reading that was in fact accepted is stored once.
 *
 * <p>One client per verticle instance; its open batch is confined to that instance's context (a call from another
 * thread is moved onto it). The open batch holds at most {@code maxReadings} readings, and what is in flight is bounded
 * by the per-stream back-pressure of {@link ReadingCalls}.
 */
final class IngestionClient {

    private static final Logger LOG = LoggerFactory.getLogger(IngestionClient.class);

    /** The final outcome of one reading: accepted, or rejected with a reason. */
    record Outcome(boolean accepted, String reason) {
        static final Outcome ACCEPTED = new Outcome(true, "");
    }

    private final Vertx vertx;
    private final Context context;
    private final EventBus eventBus;
    private final long timeoutMs;
    private final int maxReadings;
    private final long maxDelayMs;

    // confined to the context
    private List<String> openDevices = new ArrayList<>();
    private List<Reading> openReadings = new ArrayList<>();
    private List<Promise<Outcome>> openPromises = new ArrayList<>();
    private long timerId = -1;
    private boolean flushQueued;
    private final Map<Long, InFlight> inFlight = new HashMap<>();
    private long nextRequestId;
    private final IngestionMembers members;

    /** A batch request awaiting its reply: its readings' promises and the members it may have gone to. */
    private record InFlight(List<Promise<Outcome>> promises, Set<String> candidates) {
    }

    /**
     * @param context     the context of the verticle instance that owns this client
     * @param timeoutMs   event-bus request timeout
     * @param maxReadings readings per batch request at most
     * @param maxDelayMs  how long the first reading of a batch waits for others; 0: until the end of the event-loop
     *                    turn
     */
    IngestionClient(Vertx vertx, Context context, long timeoutMs, int maxReadings, long maxDelayMs) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.context = Objects.requireNonNull(context, "context");
        this.eventBus = vertx.eventBus();
        this.timeoutMs = timeoutMs;
        this.maxReadings = maxReadings;
        this.maxDelayMs = maxDelayMs;
        this.members = IngestionMembers.watch(vertx, context, this::memberLeft);
    }

    /** Stops watching the cluster (the verticle stops). */
    void close() {
        if (members != null) {
            members.close();
        }
    }

    /** Fails, on the owning context, every batch in flight that may have gone to the member that left. */
    private void memberLeft(String nodeId) {
        GatewayException failure = new GatewayException(GatewayException.Kind.UNAVAILABLE,
                "the ingestion member holding the reading left the cluster, its outcome is unknown: resend it");
        int failed = 0;
        for (var it = inFlight.values().iterator(); it.hasNext(); ) {
            InFlight request = it.next();
            if (request.candidates().isEmpty() || request.candidates().contains(nodeId)) {
                it.remove();
                for (Promise<Outcome> p : request.promises()) {
                    failed += p.tryFail(failure) ? 1 : 0;
                }
            }
        }
        if (failed > 0) {
            LOG.info("readings in flight failed at once, their ingestion member left [node: {}, readings: {}]",
                    nodeId, failed);
        }
    }

    /** @param deviceId the authenticated device, already checked to equal the reading's device_id */
    Future<Outcome> forward(String deviceId, Reading reading) {
        Promise<Outcome> promise = Promise.promise();
        if (Vertx.currentContext() == context) {
            add(deviceId, reading, promise);
        } else {
            context.runOnContext(v -> add(deviceId, reading, promise));
        }
        return promise.future();
    }

    /** Sends what is batched now (the verticle is stopping: nobody would send it later). */
    void flushNow() {
        if (Vertx.currentContext() == context) {
            flush();
        } else {
            context.runOnContext(v -> flush());
        }
    }

    private void add(String deviceId, Reading reading, Promise<Outcome> promise) {
        openDevices.add(deviceId);
        openReadings.add(reading);
        openPromises.add(promise);
        if (openReadings.size() >= maxReadings) {
            flush();
        } else if (openReadings.size() == 1) {
            if (maxDelayMs == 0) {
                if (!flushQueued) {
                    flushQueued = true;
                    context.runOnContext(v -> {
                        flushQueued = false;
                        flush();
                    });
                }
            } else {
                timerId = vertx.setTimer(maxDelayMs, id -> {
                    timerId = -1;
                    flush();
                });
            }
        }
    }

    private void flush() {
        if (timerId != -1) {
            vertx.cancelTimer(timerId);
            timerId = -1;
        }
        if (openReadings.isEmpty()) {
            return;
        }
        List<String> devices = openDevices;
        List<Reading> readings = openReadings;
        List<Promise<Outcome>> promises = openPromises;
        openDevices = new ArrayList<>();
        openReadings = new ArrayList<>();
        openPromises = new ArrayList<>();
        Buffer body;
        try {
            body = IngestionBatchCodec.encodeRequest(devices, readings);
        } catch (RuntimeException e) {
            promises.forEach(p -> p.tryFail(e)); // a bug: ErrorMapping reports INTERNAL
            return;
        }
        long requestId = nextRequestId++;
        inFlight.put(requestId, new InFlight(promises, members == null ? Set.of() : members.serving()));
        eventBus.<Object>request(IngestionApi.BATCH_ADDRESS, body, new DeliveryOptions().setSendTimeout(timeoutMs))
                .onComplete(ar -> {
                    inFlight.remove(requestId);
                    if (ar.succeeded()) {
                        complete(promises, ar.result());
                    } else if (ar.cause() instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS) {
                        // no ingestion serves batches (mixed-version cluster, or none at all): the old address
                        // answers, or fails with NO_HANDLERS as well
                        LOG.debug("no handler for batch requests, forwarding {} readings one by one", readings.size());
                        for (int i = 0; i < readings.size(); i++) {
                            Promise<Outcome> promise = promises.get(i);
                            // try*: a promise may already have failed because its member left the cluster
                            forwardSingle(devices.get(i), readings.get(i)).onComplete(single -> {
                                if (single.succeeded()) {
                                    promise.tryComplete(single.result());
                                } else {
                                    promise.tryFail(single.cause());
                                }
                            });
                        }
                    } else {
                        promises.forEach(p -> p.tryFail(ar.cause()));
                    }
                });
    }

    private static void complete(List<Promise<Outcome>> promises, Message<Object> reply) {
        List<IngestionBatchCodec.Outcome> outcomes;
        try {
            if (!(reply.body() instanceof Buffer buffer)) {
                throw new IngestionBatchCodec.MalformedException("not a batch reply: " + reply.body());
            }
            outcomes = IngestionBatchCodec.decodeReply(buffer, promises.size());
        } catch (IngestionBatchCodec.MalformedException e) {
            // a contract violation: ErrorMapping reports it as INTERNAL and logs it
            IllegalStateException failure = new IllegalStateException("unexpected ingestion reply: " + e.getMessage());
            promises.forEach(p -> p.tryFail(failure));
            return;
        }
        for (int i = 0; i < promises.size(); i++) {
            IngestionBatchCodec.Outcome o = outcomes.get(i);
            Promise<Outcome> promise = promises.get(i);
            switch (o.kind()) {
                case ACCEPTED -> promise.tryComplete(Outcome.ACCEPTED);
                case REJECTED -> promise.tryComplete(new Outcome(false,
                        o.reason().isBlank() ? "reading rejected" : o.reason()));
                // the same failures a single-reading request gets, so ErrorMapping maps both alike
                case UNAVAILABLE -> promise.tryFail(new ReplyException(ReplyFailure.RECIPIENT_FAILURE,
                        IngestionApi.FAILURE_UNAVAILABLE, o.reason()));
                case OVERLOADED -> promise.tryFail(new ReplyException(ReplyFailure.RECIPIENT_FAILURE,
                        IngestionApi.FAILURE_OVERLOADED, o.reason()));
            }
        }
    }

    /** The single-reading contract ({@link IngestionApi#ADDRESS}). */
    private Future<Outcome> forwardSingle(String deviceId, Reading reading) {
        DeliveryOptions options = new DeliveryOptions()
                .setSendTimeout(timeoutMs)
                .addHeader(IngestionApi.HEADER_DEVICE, deviceId);
        return eventBus.<Object>request(IngestionApi.ADDRESS, Buffer.buffer(reading.toByteArray()), options)
                .compose(reply -> singleOutcome(reply.body()));
    }

    private static Future<Outcome> singleOutcome(Object body) {
        if (body instanceof JsonObject json) {
            String outcome = json.getString(IngestionApi.FIELD_OUTCOME);
            if (IngestionApi.ACCEPTED.equals(outcome)) {
                return Future.succeededFuture(Outcome.ACCEPTED);
            }
            if (IngestionApi.REJECTED.equals(outcome)) {
                String reason = json.getString(IngestionApi.FIELD_REASON);
                return Future.succeededFuture(new Outcome(false,
                        reason == null || reason.isBlank() ? "reading rejected" : reason));
            }
        }
        // a contract violation: ErrorMapping reports it as INTERNAL and logs it
        return Future.failedFuture(new IllegalStateException("unexpected ingestion reply: " + body));
    }
}
