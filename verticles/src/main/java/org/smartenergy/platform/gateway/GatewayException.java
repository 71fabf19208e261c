package org.smartenergy.platform.gateway;

/**
 * An expected, classified failure of a gateway call. It carries a {@link Kind} and a message meant for the caller;
 * {@link ErrorMapping} turns it into a gRPC status or an HTTP code. No stack trace: these are outcomes, not bugs.
 */
public final class GatewayException extends RuntimeException {

    /** What went wrong, independent of the protocol that reports it. */
    public enum Kind {
        /** No, malformed or unknown credentials. */
        UNAUTHENTICATED,
        /** Authenticated, but not allowed to do this (other device's reading, missing operator role). */
        PERMISSION_DENIED,
        /** The request is invalid; the message says why. */
        INVALID_ARGUMENT,
        /** The named resource does not exist. */
        NOT_FOUND,
        /** The resource to create exists already. */
        ALREADY_EXISTS,
        /** Too much in flight downstream; retry with back-off. */
        RESOURCE_EXHAUSTED,
        /** A dependency is unreachable or did not answer in time; retry. */
        UNAVAILABLE
    }

    private final Kind kind;

    public GatewayException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
