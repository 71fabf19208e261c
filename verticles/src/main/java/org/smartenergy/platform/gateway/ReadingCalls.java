package org.smartenergy.platform.gateway;

import com.google.protobuf.Timestamp;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcMessage;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import org.smartenergy.platform.domain.ReadingValidator;
import org.smartenergy.platform.domain.ValidationResult;
import org.smartenergy.proto.v1.MeterGatewayGrpcService;
import org.smartenergy.proto.v1.Reading;
import org.smartenergy.proto.v1.ReadingAck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

/**
 * The device-facing gRPC calls of {@code energy.v1.MeterGateway}: authenticate once per call, check each reading's
 * device against the token's, forward to ingestion, answer with acks or a status ({@link ErrorMapping}).
 *
 * <p>Messages are read raw ({@code messageHandler}) and decoded by {@link GrpcEdge#decodeReading}, so an undecodable
 * message ends the call with a status and a message rather than vertx-grpc's bare cancel. Before a reading is
 * forwarded, the checks that need no rules ({@link ReadingValidator#checkWellFormed}: device_id present, timestamp
 * present and a valid protobuf Timestamp) are answered here, so such a reading is never handed to ingestion.
 *
 * <p>A stream that must end with an error status (another device's reading, a transient ingestion failure,
 * overload, a broken message) first stops reading, then waits for the outcomes of the readings already handed to
 * ingestion and writes their acks, and only then sends the status; the wait is bounded by {@code drainTimeoutMs}.
 *
 * <p>Every callback of one call runs on the event loop of the connection, so per-call state needs no locking.
 */
final class ReadingCalls {

    static final String AUTHORIZATION = "authorization";
    private static final String SEND = "SendReading";
    private static final String STREAM = "StreamReadings";
    private static final Logger LOG = LoggerFactory.getLogger(ReadingCalls.class);

    private final Vertx vertx;
    private final DeviceAuthenticator authenticator;
    private final IngestionClient ingestion;
    private final GatewayMetrics metrics;
    private final int maxUnacked;
    private final long drainTimeoutMs;

    /**
     * @param drainTimeoutMs how long a stream that must end with an error waits for the outcomes of readings already
     *                       forwarded (every forward completes within the ingestion timeout; this is the backstop)
     */
    ReadingCalls(Vertx vertx, DeviceAuthenticator authenticator, IngestionClient ingestion, GatewayMetrics metrics,
                 int maxUnackedPerStream, long drainTimeoutMs) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
        this.ingestion = Objects.requireNonNull(ingestion, "ingestion");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.maxUnacked = maxUnackedPerStream;
        this.drainTimeoutMs = drainTimeoutMs;
    }

    void bind(GrpcServer server) {
        server.callHandler(MeterGatewayGrpcService.SendReading, request -> guarded(SEND, request,
                () -> sendReading(request)));
        server.callHandler(MeterGatewayGrpcService.StreamReadings, request -> guarded(STREAM, request,
                () -> new StreamCall(request).start()));
    }

    /** A bug in a handler must end the call with INTERNAL, never with vertx-grpc's UNKNOWN. */
    private void guarded(String method, GrpcServerRequest<Reading, ReadingAck> request, Runnable handler) {
        try {
            handler.run();
        } catch (RuntimeException e) {
            endWithFailure(method, request.response(), e);
        }
    }

    // ---------------------------------------------------------------- SendReading

    private void sendReading(GrpcServerRequest<Reading, ReadingAck> request) {
        // nothing is read before the caller is authenticated
        request.pause();
        Promise<Reading> received = Promise.promise();
        request.messageHandler(message -> {
            try {
                received.tryComplete(GrpcEdge.decodeReading(message));
            } catch (GrpcProtocolException e) {
                received.tryFail(e);
            }
        });
        request.endHandler(v -> received.tryFail(
                new GatewayException(GatewayException.Kind.INVALID_ARGUMENT, "the call carried no reading")));
        request.invalidMessageHandler(invalid -> received.tryFail(GrpcEdge.tooLarge(invalid)));
        // a client cancel (or a reset) means nobody waits for the answer any more
        boolean[] cancelled = {false};
        request.errorHandler(error -> {
            cancelled[0] = true;
            received.tryFail(new GatewayException(GatewayException.Kind.UNAVAILABLE, "call cancelled"));
        });
        request.exceptionHandler(t -> {
            if (t instanceof GrpcProtocolException broken) {
                received.tryFail(broken);
                return;
            }
            cancelled[0] = true;
            received.tryFail(new GatewayException(GatewayException.Kind.UNAVAILABLE, "call cancelled"));
        });

        authenticator.authenticate(request.headers().get(AUTHORIZATION))
                .compose(deviceId -> {
                    request.resume();
                    return received.future().compose(reading -> forwardOne(deviceId, reading));
                })
                .onComplete(ar -> {
                    GrpcServerResponse<Reading, ReadingAck> response = request.response();
                    if (cancelled[0]) {
                        LOG.debug("call cancelled by the client [method: {}]", SEND);
                        metrics.callEnded(SEND, GrpcStatus.CANCELLED);
                    } else if (ar.succeeded()) {
                        metrics.callEnded(SEND, GrpcStatus.OK);
                        response.end(ar.result()).onFailure(t -> LOG.debug("ack not delivered: {}", t.toString()));
                    } else {
                        endWithFailure(SEND, response, ar.cause());
                    }
                });
    }

    private Future<ReadingAck> forwardOne(String deviceId, Reading reading) {
        if (isOtherDevice(deviceId, reading)) {
            LOG.debug("reading for another device refused [deviceId: {}, readingDeviceId: {}, seq: {}]",
                    deviceId, reading.getDeviceId(), reading.getSeq());
            return Future.failedFuture(permissionDenied(reading));
        }
        ValidationResult.Invalid malformed = wellFormed(reading);
        if (malformed != null) {
            LOG.debug("rejected reading [deviceId: {}, seq: {}]: {}", deviceId, reading.getSeq(), malformed.message());
            return Future.failedFuture(
                    new GatewayException(GatewayException.Kind.INVALID_ARGUMENT, malformed.message()));
        }
        return ingestion.forward(deviceId, reading).compose(outcome -> {
            if (outcome.accepted()) {
                return Future.succeededFuture(ack(reading, ReadingAck.Outcome.ACCEPTED, ""));
            }
            LOG.debug("rejected reading [deviceId: {}, seq: {}]: {}", deviceId, reading.getSeq(), outcome.reason());
            return Future.failedFuture(
                    new GatewayException(GatewayException.Kind.INVALID_ARGUMENT, outcome.reason()));
        });
    }

    // ---------------------------------------------------------------- StreamReadings

    /**
     * One StreamReadings call. Flow control: at most {@code maxUnacked} readings are forwarded and unanswered; at that
     * many the request is paused and it resumes when half of them are answered. It is also paused while the
     * response's write queue is full, until it drains, and from the moment the stream must end with an error.
     */
    private final class StreamCall {

        private final GrpcServerRequest<Reading, ReadingAck> request;
        private final GrpcServerResponse<Reading, ReadingAck> response;
        private String deviceId;
        private int unacked;
        private boolean halfClosed;
        /** The call is over (status sent or client gone): nothing more is written. */
        private boolean finished;
        /** Non-null once the stream must end with this failure: no reading is taken any more. */
        private Throwable closing;
        private long drainTimer = -1;
        private boolean pausedForUnacked;
        private boolean pausedForWrites;
        private boolean paused;

        StreamCall(GrpcServerRequest<Reading, ReadingAck> request) {
            this.request = request;
            this.response = request.response();
        }

        void start() {
            request.pause();
            paused = true;
            request.messageHandler(this::onMessage);
            request.endHandler(v -> onHalfClose());
            request.invalidMessageHandler(invalid -> fail(GrpcEdge.tooLarge(invalid)));
            request.errorHandler(error -> onCancel("error " + error));
            request.exceptionHandler(t -> {
                if (t instanceof GrpcProtocolException broken) {
                    fail(broken);
                } else {
                    onCancel(t.toString());
                }
            });
            response.exceptionHandler(t -> onCancel(t.toString()));
            response.drainHandler(v -> {
                pausedForWrites = false;
                updatePause();
            });
            authenticator.authenticate(request.headers().get(AUTHORIZATION))
                    .onSuccess(id -> {
                        if (finished || closing != null) {
                            return;
                        }
                        deviceId = id;
                        LOG.debug("stream opened [deviceId: {}]", id);
                        updatePause();
                    })
                    .onFailure(this::fail);
        }

        private void onMessage(GrpcMessage message) {
            if (finished || closing != null || deviceId == null) {
                // after the status or while ending, or (impossible: paused until then) before authentication
                return;
            }
            Reading reading;
            try {
                reading = GrpcEdge.decodeReading(message);
            } catch (GrpcProtocolException e) {
                fail(e);
                return;
            }
            try {
                onReading(reading);
            } catch (RuntimeException e) {
                fail(e);
            }
        }

        private void onReading(Reading reading) {
            if (isOtherDevice(deviceId, reading)) {
                LOG.debug("reading for another device ends the stream [deviceId: {}, readingDeviceId: {},"
                        + " seq: {}]", deviceId, reading.getDeviceId(), reading.getSeq());
                fail(permissionDenied(reading));
                return;
            }
            ValidationResult.Invalid malformed = wellFormed(reading);
            if (malformed != null) {
                // answered here, never forwarded; the stream goes on
                LOG.debug("rejected reading [deviceId: {}, seq: {}]: {}", deviceId, reading.getSeq(),
                        malformed.message());
                write(ack(reading, ReadingAck.Outcome.REJECTED, malformed.message()));
                updatePause();
                return;
            }
            unacked++;
            if (unacked >= maxUnacked && !pausedForUnacked) {
                pausedForUnacked = true;
                updatePause();
            }
            ingestion.forward(deviceId, reading).onComplete(ar -> {
                unacked--;
                if (finished) {
                    return;
                }
                if (ar.succeeded()) {
                    writeOutcome(reading, ar.result());
                } else {
                    fail(ar.cause());
                }
                settle();
            });
        }

        private void writeOutcome(Reading reading, IngestionClient.Outcome outcome) {
            if (outcome.accepted()) {
                write(ack(reading, ReadingAck.Outcome.ACCEPTED, ""));
            } else {
                LOG.debug("rejected reading [deviceId: {}, seq: {}]: {}", deviceId, reading.getSeq(),
                        outcome.reason());
                write(ack(reading, ReadingAck.Outcome.REJECTED, outcome.reason()));
            }
            if (pausedForUnacked && unacked <= maxUnacked / 2) {
                pausedForUnacked = false;
            }
        }

        private void write(ReadingAck ack) {
            response.write(ack);
            if (response.writeQueueFull()) {
                pausedForWrites = true;
            }
        }

        /** After an outcome: end the stream if that was the last one it waited for, else adjust flow control. */
        private void settle() {
            if (finished) {
                return;
            }
            if (closing != null) {
                if (unacked == 0) {
                    finish(closing);
                }
                return;
            }
            updatePause();
            if (halfClosed && unacked == 0) {
                finish(null);
            }
        }

        private void onHalfClose() {
            halfClosed = true;
            if (closing == null && unacked == 0 && deviceId != null) {
                finish(null);
            }
        }

        /**
         * The stream must end with {@code failure}: take no more readings, deliver the outcomes of those already
         * forwarded, then send the status (at the latest after {@code drainTimeoutMs}).
         */
        private void fail(Throwable failure) {
            if (finished || closing != null) {
                return;
            }
            closing = failure;
            if (unacked == 0) {
                finish(failure);
                return;
            }
            LOG.debug("stream ending, waiting for the outcomes of forwarded readings [deviceId: {}, unacked: {}]: {}",
                    deviceId, unacked, failure.toString());
            updatePause();
            drainTimer = vertx.setTimer(drainTimeoutMs, id -> {
                drainTimer = -1;
                if (!finished) {
                    LOG.debug("outcomes not all in before the status [deviceId: {}, unacked: {}]", deviceId, unacked);
                    finish(closing);
                }
            });
        }

        private void onCancel(String why) {
            if (!finished) {
                LOG.debug("stream cancelled by the client [deviceId: {}, unacked: {}]: {}", deviceId, unacked, why);
                finished = true;
                cancelDrainTimer();
                metrics.callEnded(STREAM, GrpcStatus.CANCELLED);
                setPaused(false);
            }
        }

        private void updatePause() {
            setPaused(!finished && (deviceId == null || closing != null || pausedForUnacked || pausedForWrites));
        }

        private void setPaused(boolean pause) {
            if (pause == paused) {
                return;
            }
            paused = pause;
            if (pause) {
                request.pause();
                if (deviceId != null) {
                    metrics.streamPaused();
                }
            } else {
                if (deviceId != null) {
                    metrics.streamResumed();
                }
                request.resume();
            }
        }

        private void cancelDrainTimer() {
            if (drainTimer != -1) {
                vertx.cancelTimer(drainTimer);
                drainTimer = -1;
            }
        }

        /** Ends the call: OK when {@code failure} is null, its mapped status otherwise. */
        private void finish(Throwable failure) {
            if (finished) {
                return;
            }
            finished = true;
            cancelDrainTimer();
            if (failure == null) {
                LOG.debug("stream completed [deviceId: {}]", deviceId);
                metrics.callEnded(STREAM, GrpcStatus.OK);
                response.end().onFailure(t -> LOG.debug("stream end not delivered: {}", t.toString()));
            } else {
                endWithFailure(STREAM, response, failure);
            }
            // readings still arriving are dropped: the contract says nothing after the status is processed
            setPaused(false);
        }
    }

    // ---------------------------------------------------------------- shared

    /** A non-empty device_id that is not the token's device (an empty one is an invalid reading, not another's). */
    private static boolean isOtherDevice(String deviceId, Reading reading) {
        return !reading.getDeviceId().isEmpty() && !deviceId.equals(reading.getDeviceId());
    }

    /** @return the reading's well-formedness problem (counted as a rejection), or null */
    private ValidationResult.Invalid wellFormed(Reading reading) {
        Timestamp timestamp = reading.getTimestamp();
        ValidationResult.Invalid malformed = ReadingValidator.checkWellFormed(reading.getDeviceId(),
                reading.hasTimestamp(), timestamp.getSeconds(), timestamp.getNanos());
        if (malformed != null) {
            metrics.rejected(malformed.reason());
        }
        return malformed;
    }

    private void endWithFailure(String method, GrpcServerResponse<Reading, ReadingAck> response, Throwable failure) {
        ErrorMapping.Mapped mapped = ErrorMapping.map(failure);
        LOG.debug("call ended [method: {}, status: {}]: {}", method, mapped.grpcStatus(), mapped.message());
        metrics.callEnded(method, mapped.grpcStatus());
        try {
            response.status(mapped.grpcStatus()).statusMessage(mapped.message()).end()
                    .onFailure(t -> LOG.debug("status not delivered [method: {}]: {}", method, t.toString()));
        } catch (IllegalStateException alreadyEnded) {
            LOG.debug("status not sent, call already ended [method: {}]", method);
        }
    }

    private static GatewayException permissionDenied(Reading reading) {
        return new GatewayException(GatewayException.Kind.PERMISSION_DENIED,
                "the token does not belong to device '" + reading.getDeviceId() + "'");
    }

    private static ReadingAck ack(Reading reading, ReadingAck.Outcome outcome, String reason) {
        return ReadingAck.newBuilder()
                .setDeviceId(reading.getDeviceId())
                .setSeq(reading.getSeq())
                .setOutcome(outcome)
                .setReason(reason)
                .build();
    }
}
