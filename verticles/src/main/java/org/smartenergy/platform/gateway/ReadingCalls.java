package org.smartenergy.platform.gateway;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
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
 * <p>Every callback of one call runs on the event loop of the connection, so per-call state needs no locking.
 */
final class ReadingCalls {

    static final String AUTHORIZATION = "authorization";
    private static final String SEND = "SendReading";
    private static final String STREAM = "StreamReadings";
    private static final Logger LOG = LoggerFactory.getLogger(ReadingCalls.class);

    private final DeviceAuthenticator authenticator;
    private final IngestionClient ingestion;
    private final GatewayMetrics metrics;
    private final int maxUnacked;

    ReadingCalls(DeviceAuthenticator authenticator, IngestionClient ingestion, GatewayMetrics metrics,
                 int maxUnackedPerStream) {
        this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
        this.ingestion = Objects.requireNonNull(ingestion, "ingestion");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.maxUnacked = maxUnackedPerStream;
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
        request.handler(received::tryComplete);
        request.endHandler(v -> received.tryFail(
                new GatewayException(GatewayException.Kind.INVALID_ARGUMENT, "the call carried no reading")));
        request.invalidMessageHandler(invalid -> received.tryFail(
                new GatewayException(GatewayException.Kind.INVALID_ARGUMENT, "malformed reading")));
        // a client cancel (or a reset) means nobody waits for the answer any more
        boolean[] cancelled = {false};
        request.errorHandler(error -> {
            cancelled[0] = true;
            received.tryFail(new GatewayException(GatewayException.Kind.UNAVAILABLE, "call cancelled"));
        });
        request.exceptionHandler(t -> {
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
        if (!deviceId.equals(reading.getDeviceId())) {
            LOG.debug("reading for another device refused [deviceId: {}, readingDeviceId: {}, seq: {}]",
                    deviceId, reading.getDeviceId(), reading.getSeq());
            return Future.failedFuture(permissionDenied(reading));
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
     * response's write queue is full, until it drains.
     */
    private final class StreamCall {

        private final GrpcServerRequest<Reading, ReadingAck> request;
        private final GrpcServerResponse<Reading, ReadingAck> response;
        private String deviceId;
        private int unacked;
        private boolean halfClosed;
        /** The call is over (status sent or client gone): nothing more is written. */
        private boolean finished;
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
            request.handler(this::onReading);
            request.endHandler(v -> onHalfClose());
            request.invalidMessageHandler(invalid -> finish(
                    new GatewayException(GatewayException.Kind.INVALID_ARGUMENT, "malformed reading")));
            request.errorHandler(error -> onCancel("error " + error));
            request.exceptionHandler(t -> onCancel(t.toString()));
            response.exceptionHandler(t -> onCancel(t.toString()));
            response.drainHandler(v -> {
                pausedForWrites = false;
                updatePause();
            });
            authenticator.authenticate(request.headers().get(AUTHORIZATION))
                    .onSuccess(id -> {
                        if (finished) {
                            return;
                        }
                        deviceId = id;
                        LOG.debug("stream opened [deviceId: {}]", id);
                        updatePause();
                    })
                    .onFailure(this::finish);
        }

        private void onReading(Reading reading) {
            if (finished || deviceId == null) {
                // after the status, or (impossible: paused until then) before authentication
                return;
            }
            try {
                if (!deviceId.equals(reading.getDeviceId())) {
                    LOG.debug("reading for another device ends the stream [deviceId: {}, readingDeviceId: {},"
                            + " seq: {}]", deviceId, reading.getDeviceId(), reading.getSeq());
                    finish(permissionDenied(reading));
                    return;
                }
                unacked++;
                if (unacked >= maxUnacked && !pausedForUnacked) {
                    pausedForUnacked = true;
                    updatePause();
                }
                ingestion.forward(deviceId, reading).onComplete(ar -> {
                    unacked--;
                    if (ar.succeeded()) {
                        onOutcome(reading, ar.result());
                    } else {
                        finish(ar.cause());
                    }
                });
            } catch (RuntimeException e) {
                finish(e);
            }
        }

        private void onOutcome(Reading reading, IngestionClient.Outcome outcome) {
            if (finished) {
                return;
            }
            ReadingAck ack;
            if (outcome.accepted()) {
                ack = ack(reading, ReadingAck.Outcome.ACCEPTED, "");
            } else {
                LOG.debug("rejected reading [deviceId: {}, seq: {}]: {}", deviceId, reading.getSeq(),
                        outcome.reason());
                ack = ack(reading, ReadingAck.Outcome.REJECTED, outcome.reason());
            }
            response.write(ack);
            if (pausedForUnacked && unacked <= maxUnacked / 2) {
                pausedForUnacked = false;
            }
            if (response.writeQueueFull()) {
                pausedForWrites = true;
            }
            updatePause();
            if (halfClosed && unacked == 0) {
                finish(null);
            }
        }

        private void onHalfClose() {
            halfClosed = true;
            if (unacked == 0 && deviceId != null) {
                finish(null);
            }
        }

        private void onCancel(String why) {
            if (!finished) {
                LOG.debug("stream cancelled by the client [deviceId: {}, unacked: {}]: {}", deviceId, unacked, why);
                finished = true;
                metrics.callEnded(STREAM, GrpcStatus.CANCELLED);
                setPaused(false);
            }
        }

        private void updatePause() {
            setPaused(!finished && (deviceId == null || pausedForUnacked || pausedForWrites));
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

        /** Ends the call: OK when {@code failure} is null, its mapped status otherwise. */
        private void finish(Throwable failure) {
            if (finished) {
                return;
            }
            finished = true;
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
