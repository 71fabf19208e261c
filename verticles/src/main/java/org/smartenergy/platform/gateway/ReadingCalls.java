package org.smartenergy.platform.gateway;

import com.google.protobuf.Timestamp;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
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
 * <p>SendReading is answered here; each StreamReadings call is a {@link StreamReadingsCall}.
 *
 * <p>Every callback of one call runs on the event loop of the connection, so per-call state needs no locking.
 */
final class ReadingCalls {

    static final String AUTHORIZATION = "authorization";
    private static final String SEND = "SendReading";
    static final String STREAM = "StreamReadings";
    /** Also the logger of {@link StreamReadingsCall}. */
    static final Logger LOG = LoggerFactory.getLogger(ReadingCalls.class);

    final Vertx vertx;
    final DeviceAuthenticator authenticator;
    final IngestionClient ingestion;
    final GatewayMetrics metrics;
    final int maxUnacked;
    final long drainTimeoutMs;

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
                () -> new StreamReadingsCall(this, request).start()));
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

    // ---------------------------------------------------------------- shared

    /** A non-empty device_id that is not the token's device (an empty one is an invalid reading, not another's). */
    static boolean isOtherDevice(String deviceId, Reading reading) {
        return !reading.getDeviceId().isEmpty() && !deviceId.equals(reading.getDeviceId());
    }

    /** @return the reading's well-formedness problem (counted as a rejection), or null */
    ValidationResult.Invalid wellFormed(Reading reading) {
        Timestamp timestamp = reading.getTimestamp();
        ValidationResult.Invalid malformed = ReadingValidator.checkWellFormed(reading.getDeviceId(),
                reading.hasTimestamp(), timestamp.getSeconds(), timestamp.getNanos());
        if (malformed != null) {
            metrics.rejected(malformed.reason());
        }
        return malformed;
    }

    void endWithFailure(String method, GrpcServerResponse<Reading, ReadingAck> response, Throwable failure) {
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

    static GatewayException permissionDenied(Reading reading) {
        return new GatewayException(GatewayException.Kind.PERMISSION_DENIED,
                "the token does not belong to device '" + reading.getDeviceId() + "'");
    }

    static ReadingAck ack(Reading reading, ReadingAck.Outcome outcome, String reason) {
        return ReadingAck.newBuilder()
                .setDeviceId(reading.getDeviceId())
                .setSeq(reading.getSeq())
                .setOutcome(outcome)
                .setReason(reason)
                .build();
    }
}
