package org.smartenergy.platform.gateway;

import com.google.protobuf.InvalidProtocolBufferException;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.http.HttpServerRequestInternal;
import io.vertx.core.internal.http.HttpServerRequestWrapper;
import io.vertx.grpc.common.GrpcMessage;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.MessageSizeOverflowException;
import io.vertx.grpc.server.GrpcServerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smartenergy.proto.v1.Reading;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * What the gateway puts in front of, and in place of parts of, the Vert.x gRPC server (vertx-grpc 5.0.7) so that
 * hostile or broken framing gets the status grpc-java would answer, with a message, instead of a hang or a reset:
 * <ul>
 *   <li>an unknown {@code grpc-encoding} header: {@code UNIMPLEMENTED} at once, before any body is read (vertx-grpc
 *       accepts the call and throws {@code UnsupportedOperationException} from its decoder, leaving the call
 *       unanswered);</li>
 *   <li>a frame with the compressed flag and no {@code grpc-encoding} (or {@code identity}), or with reserved flag
 *       bits: {@code INTERNAL} (vertx-grpc's {@code Http2GrpcMessageDeframer.next()} throws
 *       {@code UnsupportedOperationException("Handle me")} out of the HTTP/2 data handler; nothing answers the call);
 *       </li>
 *   <li>end of stream in the middle of a frame: {@code INTERNAL} (vertx-grpc silently drops the partial frame, so a
 *       truncated SendReading would read as "no reading" and a truncated stream as a clean end);</li>
 *   <li>a message that does not decode, or a gzip body that does not inflate: {@code INTERNAL} (vertx-grpc's
 *       typed {@code handler} cancels the call with {@code RST_STREAM(CANCEL)} on a {@code CodecException}, and a
 *       gzip failure is a bare {@code RuntimeException} that resets the stream); the calls read raw messages with
 *       {@code messageHandler} and {@link #decodeReading decode} them here;</li>
 *   <li>a message above {@link #MAX_MESSAGE_SIZE}, compressed or inflated: {@code RESOURCE_EXHAUSTED} (vertx-grpc
 *       checks only the frame length, and its default handler ends such a call without a message).</li>
 * </ul>
 * The frame checks run on the raw HTTP/2 body, in a wrapper of the request handed to the gRPC server, before its
 * deframer sees a byte; a failure is reported through the request's exception handler, which vertx-grpc passes on
 * to the {@code GrpcServerRequest}'s, where {@link ReadingCalls} ends the call with the status.
 *
 * <p>Health ({@code grpc.health.v1.Health}) and reflection calls pass through the same guard (their frames are
 * checked like any other) and reach their services by path. vertx-grpc-reflection 5.0.7 serves only
 * {@code grpc.reflection.v1}; the {@code v1alpha} method, whose messages are field for field the same, is served
 * by handing it to the v1 service under the v1 path (older grpcurl, grpc_cli and IDE clients ask v1alpha).
 */
final class GrpcEdge {

    /** Largest message accepted, before and after decompression (vertx-grpc's default, 256 KiB). */
    static final long MAX_MESSAGE_SIZE = GrpcServerOptions.DEFAULT_MAX_MESSAGE_SIZE;
    static final String IDENTITY = "identity";
    static final String GZIP = "gzip";
    static final String GRPC_ENCODING = "grpc-encoding";

    private static final Logger LOG = LoggerFactory.getLogger(GrpcEdge.class);
    private static final int FRAME_HEADER = 5;
    static final String REFLECTION_V1ALPHA_PATH = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";
    static final String REFLECTION_V1_PATH = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo";

    private GrpcEdge() {
    }

    /**
     * The request handler of the gRPC HTTP server: refuses an unknown {@code grpc-encoding} and hands every other
     * gRPC request, its body guarded by the frame checks, to {@code grpc}. Anything else (not HTTP/2 gRPC) goes to
     * {@code grpc} untouched, which answers it as vertx-grpc does (415 and the like).
     *
     * @param reflectionAlias whether a {@code grpc.reflection.v1alpha} call goes to the v1 reflection service
     */
    static Handler<HttpServerRequest> guard(Handler<HttpServerRequest> grpc, boolean reflectionAlias) {
        return request -> {
            String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
            if (contentType == null || !contentType.startsWith("application/grpc")
                    || contentType.startsWith("application/grpc-web")
                    || !(request instanceof HttpServerRequestInternal internal)) {
                grpc.handle(request);
                return;
            }
            String encoding = request.getHeader(GRPC_ENCODING);
            if (encoding != null && !IDENTITY.equals(encoding) && !GZIP.equals(encoding)) {
                LOG.debug("call refused, unknown grpc-encoding [path: {}, encoding: {}]", request.path(), encoding);
                endTrailersOnly(request, GrpcStatus.UNIMPLEMENTED, "Can't find decompressor for " + encoding);
                return;
            }
            String path = reflectionAlias && REFLECTION_V1ALPHA_PATH.equals(request.path()) ? REFLECTION_V1_PATH
                    : null;
            grpc.handle(new FrameGuard(internal, encoding != null && !IDENTITY.equals(encoding), path));
        };
    }

    /**
     * Decodes one raw message of a call into a {@link Reading}.
     *
     * @throws GrpcProtocolException INTERNAL when the payload is not a serialized reading or does not inflate,
     *                               RESOURCE_EXHAUSTED when it inflates beyond {@link #MAX_MESSAGE_SIZE},
     *                               UNIMPLEMENTED for an encoding other than identity and gzip
     */
    static Reading decodeReading(GrpcMessage message) {
        byte[] bytes = switch (message.encoding()) {
            case IDENTITY -> message.payload().getBytes();
            case GZIP -> gunzip(message.payload());
            default -> throw new GrpcProtocolException(GrpcStatus.UNIMPLEMENTED,
                    "Can't find decompressor for " + message.encoding());
        };
        try {
            return Reading.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new GrpcProtocolException(GrpcStatus.INTERNAL,
                    "Invalid protobuf byte sequence: the message is not a serialized energy.v1.Reading ("
                            + e.getMessage() + ")");
        }
    }

    /** The status for a frame vertx-grpc's deframer refused as too large. */
    static GrpcProtocolException tooLarge(Object invalid) {
        String size = invalid instanceof MessageSizeOverflowException overflow
                ? String.valueOf(overflow.messageSize()) : "unknown";
        return new GrpcProtocolException(GrpcStatus.RESOURCE_EXHAUSTED,
                "gRPC message exceeds maximum size " + MAX_MESSAGE_SIZE + ": " + size);
    }

    private static byte[] gunzip(Buffer payload) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(payload.getBytes()))) {
            // bounded: one byte more than the limit tells "too large" without inflating a bomb
            byte[] out = in.readNBytes((int) MAX_MESSAGE_SIZE + 1);
            if (out.length > MAX_MESSAGE_SIZE) {
                throw new GrpcProtocolException(GrpcStatus.RESOURCE_EXHAUSTED,
                        "Decompressed gRPC message exceeds maximum size " + MAX_MESSAGE_SIZE);
            }
            return out;
        } catch (IOException e) {
            throw new GrpcProtocolException(GrpcStatus.INTERNAL,
                    "Invalid gzip-compressed message (" + e.getMessage() + ")");
        }
    }

    /** A gRPC response with no messages: headers that carry the status (grpc-java answers refused calls so). */
    private static void endTrailersOnly(HttpServerRequest request, GrpcStatus status, String message) {
        request.response()
                .setStatusCode(200)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/grpc")
                .putHeader("grpc-status", String.valueOf(status.code))
                .putHeader("grpc-message", percentEncode(message))
                .putHeader("grpc-accept-encoding", IDENTITY + "," + GZIP)
                .end()
                .onFailure(t -> LOG.debug("refusal not delivered [path: {}]: {}", request.path(), t.toString()));
    }

    /** grpc-message is percent-encoded UTF-8 (gRPC over HTTP/2 spec). */
    static String percentEncode(String message) {
        StringBuilder out = new StringBuilder();
        for (byte b : message.getBytes(StandardCharsets.UTF_8)) {
            if (b >= 0x20 && b <= 0x7e && b != '%') {
                out.append((char) b);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    /**
     * Follows the gRPC framing of the request body (5-byte prefix: flags, big-endian length) and stops the body at
     * the first frame vertx-grpc's deframer cannot handle, reporting it to the exception handler vertx-grpc
     * registered. The bytes before that frame are passed on; nothing after it is.
     */
    private static final class FrameGuard extends HttpServerRequestWrapper {

        private final boolean compressionConfigured;
        private final String pathAlias;
        private final byte[] header = new byte[FRAME_HEADER];
        private int headerRead;
        private long payloadLeft;
        private boolean failed;
        private Handler<Throwable> exceptionHandler;

        FrameGuard(HttpServerRequestInternal delegate, boolean compressionConfigured, String pathAlias) {
            super(delegate);
            this.compressionConfigured = compressionConfigured;
            this.pathAlias = pathAlias;
        }

        @Override
        public String path() {
            return pathAlias != null ? pathAlias : delegate.path();
        }

        @Override
        public String uri() {
            return pathAlias != null ? pathAlias : delegate.uri();
        }

        @Override
        public HttpServerRequest exceptionHandler(Handler<Throwable> handler) {
            exceptionHandler = handler;
            delegate.exceptionHandler(handler);
            return this;
        }

        @Override
        public HttpServerRequest handler(Handler<Buffer> handler) {
            if (handler == null) {
                delegate.handler(null);
                return this;
            }
            delegate.handler(chunk -> {
                if (!failed) {
                    split(chunk, handler);
                }
            });
            return this;
        }

        @Override
        public HttpServerRequest endHandler(Handler<Void> handler) {
            if (handler == null) {
                delegate.endHandler(null);
                return this;
            }
            delegate.endHandler(v -> {
                if (!failed && (headerRead > 0 || payloadLeft > 0)) {
                    fail(new GrpcProtocolException(GrpcStatus.INTERNAL, "Encountered end-of-stream mid-frame"));
                }
                handler.handle(v);
            });
            return this;
        }

        /**
         * Passes {@code chunk} on to {@code handler} cut at message boundaries, one piece per message completed in
         * it (the first piece also carries the end of a message begun in an earlier chunk, the last the start of one
         * it does not complete), up to the first bad frame, which is reported instead.
         *
         * <p>Why cut: vertx-grpc 5.0.7's {@code Http2GrpcMessageDeframer.next()} copies the rest of its buffer after
         * every message it takes out of it, so a 16 KiB DATA frame of a streaming logger holding a few hundred small
         * readings was copied a few hundred times (quadratic; 12 % of a node's CPU in the backfill benchmark). Given
         * one message at a time, the deframer keeps the piece as its buffer and slices the message out of it without
         * a copy.
         */
        private void split(Buffer chunk, Handler<Buffer> handler) {
            int length = chunk.length();
            int pieceStart = 0;
            int frameStart = 0;
            int i = 0;
            while (i < length) {
                if (payloadLeft > 0) {
                    int skip = (int) Math.min(payloadLeft, length - i);
                    payloadLeft -= skip;
                    i += skip;
                    if (payloadLeft == 0) {
                        pieceStart = pass(chunk, pieceStart, i, handler);
                    }
                    continue;
                }
                if (headerRead == 0) {
                    frameStart = i;
                }
                header[headerRead++] = chunk.getByte(i++);
                if (headerRead < FRAME_HEADER) {
                    continue;
                }
                headerRead = 0;
                GrpcProtocolException problem = checkFlags(header[0] & 0xff);
                if (problem != null) {
                    pass(chunk, pieceStart, frameStart, handler);
                    fail(problem);
                    return;
                }
                payloadLeft = ((header[1] & 0xffL) << 24) | ((header[2] & 0xffL) << 16)
                        | ((header[3] & 0xffL) << 8) | (header[4] & 0xffL);
                if (payloadLeft == 0) {
                    pieceStart = pass(chunk, pieceStart, i, handler);
                }
            }
            pass(chunk, pieceStart, length, handler);
        }

        /** Hands {@code chunk[from, to)} on (nothing when empty); @return {@code to}, where the next piece starts */
        private static int pass(Buffer chunk, int from, int to, Handler<Buffer> handler) {
            if (to > from) {
                handler.handle(from == 0 && to == chunk.length() ? chunk : chunk.slice(from, to));
            }
            return to;
        }

        private GrpcProtocolException checkFlags(int flags) {
            if (flags > 1) {
                return new GrpcProtocolException(GrpcStatus.INTERNAL,
                        "gRPC frame header malformed: reserved bits not zero");
            }
            if (flags == 1 && !compressionConfigured) {
                return new GrpcProtocolException(GrpcStatus.INTERNAL,
                        "Can't decode compressed gRPC message as compression not configured");
            }
            return null;
        }

        private void fail(GrpcProtocolException problem) {
            failed = true;
            LOG.debug("gRPC framing refused [path: {}, status: {}]: {}", path(), problem.status(),
                    problem.getMessage());
            Handler<Throwable> handler = exceptionHandler;
            if (handler != null) {
                handler.handle(problem);
            } else {
                // nobody registered one (vertx-grpc always does): end the exchange rather than leave it hanging
                delegate.response().reset();
            }
        }
    }
}
