package org.smartenergy.platform.gateway;

import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcMessage;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import org.smartenergy.platform.domain.ValidationResult;
import org.smartenergy.proto.v1.Reading;
import org.smartenergy.proto.v1.ReadingAck;
import org.slf4j.Logger;

/**
 * One StreamReadings call. Flow control: at most {@code maxUnacked} readings are forwarded and unanswered; at that
 * many the request is paused and it resumes when half of them are answered. It is also paused while the
 * response's write queue is full, until it drains, and from the moment the stream must end with an error.
 *
 * <p>Created per call by {@link ReadingCalls}, whose dependencies, logger and shared checks it uses.
 */
final class StreamReadingsCall {

    private static final Logger LOG = ReadingCalls.LOG;

    private final ReadingCalls calls;
    private final Vertx vertx;
    private final DeviceAuthenticator authenticator;
    private final IngestionClient ingestion;
    private final GatewayMetrics metrics;
    private final int maxUnacked;
    private final long drainTimeoutMs;
    private final GrpcServerRequest<Reading, ReadingAck> request;
    private final GrpcServerResponse<Reading, ReadingAck> response;
    private String deviceId;
    private DeviceAuthenticator.Session session;
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
    /** Whether the current pause counts in {@code energy.gateway.streams.paused}. */
    private boolean countedAsPaused;

    StreamReadingsCall(ReadingCalls calls, GrpcServerRequest<Reading, ReadingAck> request) {
        this.calls = calls;
        this.vertx = calls.vertx;
        this.authenticator = calls.authenticator;
        this.ingestion = calls.ingestion;
        this.metrics = calls.metrics;
        this.maxUnacked = calls.maxUnacked;
        this.drainTimeoutMs = calls.drainTimeoutMs;
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
        // the session ends the stream should the device's token be revoked (rotated, disabled, deleted) meanwhile
        authenticator.open(request.headers().get(ReadingCalls.AUTHORIZATION), this::onRevoked)
                .onSuccess(opened -> {
                    if (finished || closing != null) {
                        opened.close();
                        return;
                    }
                    session = opened;
                    deviceId = opened.deviceId();
                    LOG.debug("stream opened [deviceId: {}]", deviceId);
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
        if (ReadingCalls.isOtherDevice(deviceId, reading)) {
            LOG.debug("reading for another device ends the stream [deviceId: {}, readingDeviceId: {},"
                    + " seq: {}]", deviceId, reading.getDeviceId(), reading.getSeq());
            fail(ReadingCalls.permissionDenied(reading));
            return;
        }
        ValidationResult.Invalid malformed = calls.wellFormed(reading);
        if (malformed != null) {
            // answered here, never forwarded; the stream goes on
            LOG.debug("rejected reading [deviceId: {}, seq: {}]: {}", deviceId, reading.getSeq(),
                    malformed.message());
            write(ReadingCalls.ack(reading, ReadingAck.Outcome.REJECTED, malformed.message()));
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
            write(ReadingCalls.ack(reading, ReadingAck.Outcome.ACCEPTED, ""));
        } else {
            LOG.debug("rejected reading [deviceId: {}, seq: {}]: {}", deviceId, reading.getSeq(),
                    outcome.reason());
            write(ReadingCalls.ack(reading, ReadingAck.Outcome.REJECTED, outcome.reason()));
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

    private void onRevoked(Throwable failure) {
        LOG.debug("device token revoked, stream ends [deviceId: {}]: {}", deviceId, failure.getMessage());
        fail(failure);
    }

    private void onCancel(String why) {
        if (!finished) {
            closeSession();
            LOG.debug("stream cancelled by the client [deviceId: {}, unacked: {}]: {}", deviceId, unacked, why);
            finished = true;
            cancelDrainTimer();
            metrics.callEnded(ReadingCalls.STREAM, GrpcStatus.CANCELLED);
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
            // the pause before authentication is not back-pressure: neither counted nor, on resume, uncounted
            if (deviceId != null) {
                metrics.streamPaused();
                countedAsPaused = true;
            }
        } else {
            if (countedAsPaused) {
                metrics.streamResumed();
                countedAsPaused = false;
            }
            request.resume();
        }
    }

    private void closeSession() {
        if (session != null) {
            session.close();
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
        closeSession();
        if (failure == null) {
            LOG.debug("stream completed [deviceId: {}]", deviceId);
            metrics.callEnded(ReadingCalls.STREAM, GrpcStatus.OK);
            response.end().onFailure(t -> LOG.debug("stream end not delivered: {}", t.toString()));
        } else {
            calls.endWithFailure(ReadingCalls.STREAM, response, failure);
        }
        // readings still arriving are dropped: the contract says nothing after the status is processed
        setPaused(false);
    }
}
