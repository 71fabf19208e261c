package org.smartenergy.platform.gateway;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.grpc.common.GrpcStatus;
import org.smartenergy.platform.gateway.DeviceAdmin.DeviceExistsException;
import org.smartenergy.platform.domain.tariff.InvalidTariffException;
import org.smartenergy.platform.ingestion.IngestionApi;
import org.smartenergy.platform.storage.StoreUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become gRPC statuses and HTTP codes.
 *
 * <p>Client errors ({@link GatewayException} kinds, {@link DeviceExistsException}, {@link GrpcProtocolException}
 * with the status grpc-java gives that input, {@link StoreUnavailableException}) and the ingestion contract's
 * transient failures ({@link ReplyException} with {@link IngestionApi#FAILURE_UNAVAILABLE} /
 * {@link IngestionApi#FAILURE_OVERLOADED}, no handlers, timeout) are mapped deliberately. Anything else is a bug or
 * an unclassified dependency failure: it is logged with its stack trace and reported as INTERNAL / 500 with a generic
 * message, so neither vertx-grpc's UNKNOWN nor internal details ever reach a caller.
 */
public final class ErrorMapping {

    private static final Logger LOG = LoggerFactory.getLogger(ErrorMapping.class);
    private static final String INTERNAL_MESSAGE = "internal error";

    private ErrorMapping() {
    }

    /**
     * A protocol-neutral verdict.
     *
     * @param grpcStatus the gRPC status to end a call with
     * @param httpStatus the HTTP status code for the operator API
     * @param error      a short machine-readable error name for JSON bodies
     * @param message    text safe to show to the caller
     */
    public record Mapped(GrpcStatus grpcStatus, int httpStatus, String error, String message) {
    }

    /** Maps a failure; logs unexpected ones (and only those) at error level. */
    public static Mapped map(Throwable failure) {
        if (failure instanceof GatewayException ge) {
            return forKind(ge.kind(), ge.getMessage());
        }
        if (failure instanceof GrpcProtocolException pe) {
            // broken framing or an undecodable message: the status grpc-java gives the same input
            return new Mapped(pe.status(), 400, "bad_request", pe.getMessage());
        }
        if (failure instanceof io.vertx.grpc.common.CodecException) {
            // a message vertx-grpc's decoder could not parse (calls that let vertx-grpc decode, e.g. BillingService)
            return new Mapped(GrpcStatus.INTERNAL, 400, "bad_request", "Invalid protobuf byte sequence");
        }
        if (failure instanceof InvalidTariffException it) {
            return forKind(GatewayException.Kind.INVALID_ARGUMENT, it.getMessage());
        }
        if (failure instanceof DeviceExistsException de) {
            return forKind(GatewayException.Kind.ALREADY_EXISTS, de.getMessage());
        }
        if (StoreUnavailableException.isUnavailable(failure)) {
            // a store is unreachable or failing over: a transient server error, not a bug (the data-access layer
            // translates driver errors; a driver error that slipped past it is classified the same way)
            return forKind(GatewayException.Kind.UNAVAILABLE, "the store (MongoDB) is unavailable, retry later");
        }
        if (failure instanceof ReplyException re) {
            Mapped mapped = fromReply(re);
            if (mapped != null) {
                return mapped;
            }
        }
        LOG.error("unexpected failure, reported as internal error", failure);
        return new Mapped(GrpcStatus.INTERNAL, 500, "internal", INTERNAL_MESSAGE);
    }

    private static Mapped fromReply(ReplyException re) {
        ReplyFailure type = re.failureType();
        if (type == ReplyFailure.NO_HANDLERS) {
            return forKind(GatewayException.Kind.UNAVAILABLE, "ingestion is not available");
        }
        if (type == ReplyFailure.TIMEOUT) {
            return forKind(GatewayException.Kind.UNAVAILABLE, "ingestion did not confirm in time");
        }
        if (re.failureCode() == IngestionApi.FAILURE_UNAVAILABLE) {
            return forKind(GatewayException.Kind.UNAVAILABLE,
                    "the broker did not confirm the reading: " + nonNull(re.getMessage(), "unavailable"));
        }
        if (re.failureCode() == IngestionApi.FAILURE_OVERLOADED) {
            return forKind(GatewayException.Kind.RESOURCE_EXHAUSTED,
                    "too many unconfirmed readings, retry with back-off");
        }
        return null;
    }

    private static Mapped forKind(GatewayException.Kind kind, String message) {
        return switch (kind) {
            case UNAUTHENTICATED -> new Mapped(GrpcStatus.UNAUTHENTICATED, 401, "unauthenticated", message);
            case PERMISSION_DENIED -> new Mapped(GrpcStatus.PERMISSION_DENIED, 403, "forbidden", message);
            case INVALID_ARGUMENT -> new Mapped(GrpcStatus.INVALID_ARGUMENT, 400, "bad_request", message);
            case NOT_FOUND -> new Mapped(GrpcStatus.NOT_FOUND, 404, "not_found", message);
            case ALREADY_EXISTS -> new Mapped(GrpcStatus.ALREADY_EXISTS, 409, "conflict", message);
            case RESOURCE_EXHAUSTED -> new Mapped(GrpcStatus.RESOURCE_EXHAUSTED, 429, "overloaded", message);
            case UNAVAILABLE -> new Mapped(GrpcStatus.UNAVAILABLE, 503, "unavailable", message);
        };
    }

    private static String nonNull(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }
}
