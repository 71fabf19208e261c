package org.smartenergy.platform.gateway;

import io.vertx.grpc.common.GrpcStatus;

import java.util.Objects;

/**
 * A gRPC call broke the protocol before any reading could be taken from it: a frame or message that cannot be
 * decoded, an unsupported compression. It carries the status grpc-java answers for the same input and a message for
 * the caller; {@link ErrorMapping} passes both on unchanged. No stack trace: an outcome, not a bug.
 */
final class GrpcProtocolException extends RuntimeException {

    private final GrpcStatus status;

    GrpcProtocolException(GrpcStatus status, String message) {
        super(message, null, false, false);
        this.status = Objects.requireNonNull(status, "status");
    }

    GrpcStatus status() {
        return status;
    }
}
