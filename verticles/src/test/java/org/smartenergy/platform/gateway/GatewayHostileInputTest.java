package org.smartenergy.platform.gateway;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.smartenergy.proto.v1.Reading;
import org.smartenergy.proto.v1.ReadingAck;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.smartenergy.platform.gateway.GatewayGrpcTest.bearer;
import static org.smartenergy.platform.gateway.GatewayGrpcTest.waitFor;
import static org.smartenergy.platform.gateway.GatewayHarness.DEVICE;
import static org.smartenergy.platform.gateway.GatewayHarness.OTHER_DEVICE;

/**
 * Hostile and broken input at the device-facing gRPC edge. The raw cases speak HTTP/2 with prior knowledge through
 * Vert.x's HTTP client, so the test controls every header and body byte (the gRPC 5-byte prefix included); each
 * asserts the grpc-status, that a grpc-message says what was wrong, that the call ends (every wait is bounded and the
 * class has a timeout: a hang fails) and that nothing was handed to ingestion. The field-level cases (timestamps,
 * empty device_id, the order of acks and status) use the grpc-java client.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class GatewayHostileInputTest {

    private static final String SEND = "/energy.v1.MeterGateway/SendReading";
    private static final String STREAM = "/energy.v1.MeterGateway/StreamReadings";
    /** A gRPC frame header claiming a 1 GiB message. */
    private static final long ONE_GIB = 1L << 30;

    private GatewayHarness gateway;
    private HttpClient http;

    @BeforeEach
    void start(Vertx vertx) throws Exception {
        gateway = GatewayHarness.start(vertx);
        http = vertx.createHttpClient(new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false)); // prior knowledge: HTTP/2 frames from the first byte
    }

    @AfterEach
    void stop() throws Exception {
        GatewayHarness.await(http.close());
        gateway.close();
    }

    // ---------------------------------------------------------------- undecodable messages

    @ParameterizedTest
    @ValueSource(strings = {SEND, STREAM})
    void bytesThatAreNotProtobufAreInternalInvalidProtobufByteSequence(String path) throws Exception {
        byte[] garbage = "this is not a protobuf message \u00ff\u00fe".getBytes(StandardCharsets.ISO_8859_1);
        assertNotAReading(garbage);
        assertEndsWith(path, frame(garbage), GrpcStatusCode.INTERNAL, "Invalid protobuf byte sequence");
    }

    @ParameterizedTest
    @ValueSource(strings = {SEND, STREAM})
    void truncatedVarintIsInternalInvalidProtobufByteSequence(String path) throws Exception {
        // field 4 (seq, varint), then a continuation byte and the end of the message
        byte[] truncated = {0x20, (byte) 0xff};
        assertNotAReading(truncated);
        assertEndsWith(path, frame(truncated), GrpcStatusCode.INTERNAL, "Invalid protobuf byte sequence");
    }

    @ParameterizedTest
    @ValueSource(strings = {SEND, STREAM})
    void fieldLengthClaimingOneGibIsInternalInvalidProtobufByteSequence(String path) throws Exception {
        // field 1 (device_id, length-delimited) claiming 2^30 bytes, followed by three
        byte[] claimsGib = {0x0a, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x04, 'a', 'b', 'c'};
        assertNotAReading(claimsGib);
        assertEndsWith(path, frame(claimsGib), GrpcStatusCode.INTERNAL, "Invalid protobuf byte sequence");
    }

    @ParameterizedTest
    @ValueSource(strings = {SEND, STREAM})
    void unterminatedGroupIsInternalInvalidProtobufByteSequence(String path) throws Exception {
        // start-group of field 6, never ended
        byte[] group = {0x33, 0x08, 0x01};
        assertNotAReading(group);
        assertEndsWith(path, frame(group), GrpcStatusCode.INTERNAL, "Invalid protobuf byte sequence");
    }

    // ---------------------------------------------------------------- framing and compression

    @ParameterizedTest
    @ValueSource(strings = {SEND, STREAM})
    void compressedFlagWithoutGrpcEncodingIsInternal(String path) throws Exception {
        // vertx-grpc's deframer alone throws "Handle me" here and never answers
        assertEndsWith(path, frame(1, reading(DEVICE, 1).toByteArray()), GrpcStatusCode.INTERNAL,
                "Can't decode compressed gRPC message as compression not configured");
    }

    @ParameterizedTest
    @ValueSource(strings = {SEND, STREAM})
    void reservedFlagBitsAreInternal(String path) throws Exception {
        assertEndsWith(path, frame(2, reading(DEVICE, 1).toByteArray()), GrpcStatusCode.INTERNAL,
                "reserved bits not zero");
    }

    @ParameterizedTest
    @ValueSource(strings = {SEND, STREAM})
    void gzipEncodingWithGarbageBodyIsInternal(String path) throws Exception {
        // vertx-grpc's own gzip decoding answered this with a bare RST_STREAM
        Answer answer = call(path, "gzip", frame(1, "definitely not gzip".getBytes(StandardCharsets.US_ASCII)),
                true);
        assertAnswer(answer, GrpcStatusCode.INTERNAL, "Invalid gzip-compressed message");
    }

    @ParameterizedTest
    @ValueSource(strings = {SEND, STREAM})
    void gzipOfNonProtobufIsInternalInvalidProtobufByteSequence(String path) throws Exception {
        byte[] garbage = {0x33, 0x08, 0x01};
        Answer answer = call(path, "gzip", frame(1, gzip(garbage)), true);
        assertAnswer(answer, GrpcStatusCode.INTERNAL, "Invalid protobuf byte sequence");
    }

    @ParameterizedTest
    @ValueSource(strings = {SEND, STREAM})
    void unknownGrpcEncodingIsUnimplemented(String path) throws Exception {
        Answer answer = call(path, "x-snappy-ish", frame(1, reading(DEVICE, 1).toByteArray()), true);
        assertAnswer(answer, GrpcStatusCode.UNIMPLEMENTED, "Can't find decompressor for x-snappy-ish");
    }

    @ParameterizedTest
    @ValueSource(strings = {SEND, STREAM})
    void frameLengthClaimingOneGibIsResourceExhausted(String path) throws Exception {
        Buffer header = Buffer.buffer().appendByte((byte) 0).appendUnsignedInt(ONE_GIB);
        assertEndsWith(path, header.appendBytes(new byte[64]), GrpcStatusCode.RESOURCE_EXHAUSTED,
                "gRPC message exceeds maximum size 262144: 1073741824");
    }

    @ParameterizedTest
    @ValueSource(strings = {SEND, STREAM})
    void gzipThatInflatesBeyondTheMaximumIsResourceExhausted(String path) throws Exception {
        // 1 MiB of zeros compresses to about a kilobyte: the bound is on the inflated size
        Answer answer = call(path, "gzip", frame(1, gzip(new byte[1 << 20])), true);
        assertAnswer(answer, GrpcStatusCode.RESOURCE_EXHAUSTED, "Decompressed gRPC message exceeds maximum size");
    }

    @ParameterizedTest
    @ValueSource(strings = {SEND, STREAM})
    void endOfStreamInTheMiddleOfAFrameIsInternal(String path) throws Exception {
        // the prefix announces 100 bytes, 10 arrive, then END_STREAM
        Buffer partial = Buffer.buffer().appendByte((byte) 0).appendUnsignedInt(100).appendBytes(new byte[10]);
        Answer answer = call(path, null, partial, true);
        assertAnswer(answer, GrpcStatusCode.INTERNAL, "Encountered end-of-stream mid-frame");
    }

    @ParameterizedTest
    @ValueSource(strings = {SEND, STREAM})
    void gzipCompressedReadingIsAccepted(String path) throws Exception {
        // the control: compression the gateway supports works, so the refusals above are about the input
        Answer answer = call(path, "gzip", frame(1, gzip(reading(DEVICE, 7).toByteArray())), true);
        assertThat(answer.grpcStatus()).isEqualTo(GrpcStatusCode.OK);
        assertThat(gateway.ingestion.received).extracting(Reading::getSeq).containsExactly(7L);
    }

    @Test
    void brokenFrameOnAStreamEndsItAfterTheAckOfTheReadingBeforeIt() throws Exception {
        // GIVEN ingestion holds readings briefly, then accepts them
        gateway.ingestion.respond(r -> FakeIngestion.Reply.HOLD);
        // WHEN one valid reading is forwarded, and a frame with the compressed flag but no encoding follows
        io.vertx.core.http.HttpClientRequest request = openStream();
        Future<Answer> answer = request.response()
                .compose(response -> response.body().map(payload -> answer(response, payload)));
        request.write(frame(reading(DEVICE, 1).toByteArray()));
        waitFor(() -> gateway.ingestion.heldNow.get() == 1);
        request.write(frame(1, new byte[] {1, 2, 3}));
        Thread.sleep(300);
        assertThat(answer.isComplete()).as("status held back while the reading's outcome is pending").isFalse();
        gateway.ingestion.releaseHeldEvery(10);
        // THEN the stream carries the ack of seq 1, then ends INTERNAL
        Answer done = GatewayHarness.await(answer);
        assertAnswerStatus(done, GrpcStatusCode.INTERNAL, "compression not configured");
        assertThat(ReadingAck.parseFrom(done.body().getBytes(5, done.body().length())).getSeq()).isEqualTo(1L);
        assertThat(gateway.ingestion.received).extracting(Reading::getSeq).containsExactly(1L);
        gateway.ingestion.stopReleasing();
    }

    @Test
    void readingsCutAnywhereIntoChunksAreEachForwardedAndAckedOnceInOrder() throws Exception {
        // GIVEN 300 framed readings in one body, written in chunks cut inside frame headers, inside payloads and
        // holding many whole messages (the gateway cuts chunks at message boundaries for the deframer)
        Buffer body = Buffer.buffer();
        for (int seq = 1; seq <= 300; seq++) {
            body.appendBuffer(frame(reading(DEVICE, seq).toByteArray()));
        }
        io.vertx.core.http.HttpClientRequest request = openStream();
        Future<Answer> answer = request.response()
                .compose(response -> response.body().map(payload -> answer(response, payload)));
        int[] cuts = {1, 3, 2, 17, 4096, 1, 800, 4, 5, 6000};
        int at = 0;
        for (int k = 0; at < body.length(); k++) {
            int end = Math.min(body.length(), at + cuts[k % cuts.length]);
            request.write(body.slice(at, end).copy());
            at = end;
        }
        request.end();
        // THEN every reading reached ingestion once, in order, and got its ack; the call ends OK
        Answer done = answer.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        assertThat(done.grpcStatus()).as("grpc-status (message: %s)", done.grpcMessage()).isEqualTo(GrpcStatusCode.OK);
        long[] expected = java.util.stream.LongStream.rangeClosed(1, 300).toArray();
        assertThat(gateway.ingestion.received).extracting(Reading::getSeq).containsExactly(
                java.util.Arrays.stream(expected).boxed().toArray(Long[]::new));
        java.util.List<Long> acked = new java.util.ArrayList<>();
        Buffer acks = done.body();
        for (int i = 0; i < acks.length(); ) {
            int length = acks.getInt(i + 1);
            acked.add(ReadingAck.parseFrom(acks.getBytes(i + 5, i + 5 + length)).getSeq());
            i += 5 + length;
        }
        assertThat(acked).containsExactlyInAnyOrder(java.util.Arrays.stream(expected).boxed().toArray(Long[]::new));
    }

    // ---------------------------------------------------------------- invalid timestamps and device ids

    @ParameterizedTest
    @ValueSource(ints = {-1, 1_000_000_000})
    void unaryReadingWithNanosOutOfRangeIsInvalidArgumentAndNotForwarded(int nanos) {
        Reading reading = reading(DEVICE, 1).toBuilder()
                .setTimestamp(reading(DEVICE, 1).getTimestamp().toBuilder().setNanos(nanos)).build();
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                () -> gateway.blocking(bearer(gateway.token)).sendReading(reading));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).startsWith("timestamp.nanos must be 0 to 999999999, was " + nanos);
        assertThat(gateway.ingestion.received).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(longs = {-62_135_596_801L, 253_402_300_800L, Long.MAX_VALUE, Long.MIN_VALUE})
    void unaryReadingWithSecondsOutOfRangeIsInvalidArgumentAndNotForwarded(long seconds) {
        Reading reading = reading(DEVICE, 1).toBuilder()
                .setTimestamp(Timestamp.newBuilder().setSeconds(seconds)).build();
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                () -> gateway.blocking(bearer(gateway.token)).sendReading(reading));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).startsWith("timestamp.seconds must be");
        assertThat(gateway.ingestion.received).isEmpty();
    }

    @Test
    void unaryReadingWithEmptyDeviceIdIsInvalidArgumentNotPermissionDenied() {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                () -> gateway.blocking(bearer(gateway.token)).sendReading(reading("", 1)));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).isEqualTo("device_id is required");
        assertThat(gateway.ingestion.received).isEmpty();
    }

    @Test
    void unaryReadingWithoutTimestampIsInvalidArgumentAndNotForwarded() {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                () -> gateway.blocking(bearer(gateway.token)).sendReading(reading(DEVICE, 1).toBuilder()
                        .clearTimestamp().build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).startsWith("timestamp is required");
        assertThat(gateway.ingestion.received).isEmpty();
    }

    @Test
    void streamRejectsInvalidTimestampsAndEmptyDeviceIdAndGoesOn() throws Exception {
        // GIVEN a stream of meter-1
        AckCollector collector = new AckCollector();
        StreamObserver<Reading> requests = gateway.async(bearer(gateway.token)).streamReadings(collector);
        Timestamp ts = reading(DEVICE, 1).getTimestamp();
        // WHEN it sends a valid reading, one with nanos 1e9, one with seconds past 9999, one with an empty device_id,
        // and another valid one
        requests.onNext(reading(DEVICE, 1));
        requests.onNext(reading(DEVICE, 2).toBuilder().setTimestamp(ts.toBuilder().setNanos(1_000_000_000)).build());
        requests.onNext(reading(DEVICE, 3).toBuilder().setTimestamp(ts.toBuilder().setSeconds(253_402_300_800L))
                .build());
        requests.onNext(reading("", 4));
        requests.onNext(reading(DEVICE, 5));
        requests.onCompleted();
        // THEN the stream ends OK with one ack each: 2, 3 and 4 REJECTED with their reasons, only 1 and 5 forwarded
        assertThat(collector.done.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
        assertThat(collector.acks).hasSize(5);
        assertThat(ack(collector, 2).getOutcome()).isEqualTo(ReadingAck.Outcome.REJECTED);
        assertThat(ack(collector, 2).getReason()).startsWith("timestamp.nanos must be 0 to 999999999");
        assertThat(ack(collector, 3).getOutcome()).isEqualTo(ReadingAck.Outcome.REJECTED);
        assertThat(ack(collector, 3).getReason()).startsWith("timestamp.seconds must be");
        assertThat(ack(collector, 4).getOutcome()).isEqualTo(ReadingAck.Outcome.REJECTED);
        assertThat(ack(collector, 4).getReason()).isEqualTo("device_id is required");
        assertThat(ack(collector, 4).getDeviceId()).isEmpty();
        assertThat(ack(collector, 1).getOutcome()).isEqualTo(ReadingAck.Outcome.ACCEPTED);
        assertThat(ack(collector, 5).getOutcome()).isEqualTo(ReadingAck.Outcome.ACCEPTED);
        assertThat(gateway.ingestion.received).extracting(Reading::getSeq).containsExactly(1L, 5L);
        // AND the gateway counted its three refusals where ingestion counts its own
        assertThat(gateway.meters.get("energy.readings.rejected").tag("reason", "timestamp_invalid").counter()
                .count()).isEqualTo(2.0);
        assertThat(gateway.meters.get("energy.readings.rejected").tag("reason", "device_id").counter()
                .count()).isEqualTo(1.0);
    }

    @Test
    void streamEndsWithPermissionDeniedOnlyAfterTheAcksOfEarlierReadings() throws Exception {
        // GIVEN ingestion holds every reading until released
        gateway.ingestion.respond(r -> FakeIngestion.Reply.HOLD);
        AckCollector collector = new AckCollector();
        StreamObserver<Reading> requests = gateway.async(bearer(gateway.token)).streamReadings(collector);
        for (int seq = 1; seq <= 3; seq++) {
            requests.onNext(reading(DEVICE, seq));
        }
        waitFor(() -> gateway.ingestion.heldNow.get() == 3);
        // WHEN a reading of another device follows, and one more of its own after it
        requests.onNext(reading(OTHER_DEVICE, 4));
        requests.onNext(reading(DEVICE, 5));
        Thread.sleep(300);
        // THEN the stream is not ended while the three outcomes are pending ...
        assertThat(collector.done).isNotDone();
        gateway.ingestion.releaseHeldEvery(10);
        // ... and ends PERMISSION_DENIED after the acks of 1, 2 and 3 (AckCollector fails on an ack after the end)
        Status status = collector.done.get(10, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(status.getDescription()).contains(OTHER_DEVICE);
        assertThat(collector.acks).extracting(ReadingAck::getSeq).containsExactlyInAnyOrder(1L, 2L, 3L);
        assertThat(collector.acks).allMatch(a -> a.getOutcome() == ReadingAck.Outcome.ACCEPTED);
        // seq 5, sent after the refused reading, was not taken
        assertThat(gateway.ingestion.received).extracting(Reading::getSeq).containsExactly(1L, 2L, 3L);
        gateway.ingestion.stopReleasing();
    }

    // ---------------------------------------------------------------- helpers

    /** The gRPC status codes asserted here, by number (as they travel in grpc-status). */
    static final class GrpcStatusCode {
        static final int OK = 0;
        static final int INTERNAL = 13;
        static final int UNIMPLEMENTED = 12;
        static final int RESOURCE_EXHAUSTED = 8;
    }

    /** What came back: HTTP status, grpc-status and grpc-message (headers or trailers), and the body. */
    record Answer(HttpVersion version, int httpStatus, Integer grpcStatus, String grpcMessage, Buffer body) {
    }

    private void assertEndsWith(String path, Buffer body, int status, String message) throws Exception {
        assertAnswer(call(path, null, body, true), status, message);
    }

    private void assertAnswer(Answer answer, int status, String message) throws Exception {
        assertAnswerStatus(answer, status, message);
        assertThat(answer.body().length()).as("no message written").isZero();
        Thread.sleep(100); // a forward would be on the event bus by now
        assertThat(gateway.ingestion.received).as("nothing handed to ingestion").isEmpty();
    }

    private static void assertAnswerStatus(Answer answer, int status, String message) {
        assertThat(answer.version()).isEqualTo(HttpVersion.HTTP_2);
        assertThat(answer.httpStatus()).isEqualTo(200);
        assertThat(answer.grpcStatus()).as("grpc-status (message: %s)", answer.grpcMessage()).isEqualTo(status);
        assertThat(answer.grpcMessage()).as("grpc-message").isNotBlank().contains(message);
    }

    /**
     * One call: the body is sent as written, then END_STREAM when {@code end} (a stream left open must be answered
     * as well). Bounded: a call not answered within 10 s fails the test (the gateway hung).
     */
    private Answer call(String path, String encoding, Buffer body, boolean end) throws Exception {
        return callAsync(path, encoding, body, end).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    private Future<Answer> callAsync(String path, String encoding, Buffer body, boolean end) {
        return http.request(HttpMethod.POST, gateway.verticle.grpcPort(), "127.0.0.1", path)
                .compose(request -> {
                    request.setChunked(true) // streamed body: no content-length, as a gRPC client sends it
                            .putHeader("content-type", "application/grpc")
                            .putHeader("te", "trailers")
                            .putHeader("authorization", bearer(gateway.token));
                    if (encoding != null) {
                        request.putHeader("grpc-encoding", encoding);
                    }
                    if (end) {
                        request.end(body);
                    } else {
                        request.write(body);
                    }
                    return request.response();
                })
                .compose(response -> response.body().map(payload -> answer(response, payload)));
    }

    /** A StreamReadings call of the gateway's device, its body written by the test (the headers are sent). */
    private io.vertx.core.http.HttpClientRequest openStream() throws Exception {
        io.vertx.core.http.HttpClientRequest request = GatewayHarness.await(
                http.request(HttpMethod.POST, gateway.verticle.grpcPort(), "127.0.0.1", STREAM));
        request.setChunked(true).putHeader("content-type", "application/grpc").putHeader("te", "trailers")
                .putHeader("authorization", bearer(gateway.token));
        return request;
    }

    private static Answer answer(HttpClientResponse response, Buffer body) {
        MultiMap headers = response.headers();
        MultiMap trailers = response.trailers();
        String status = trailers.contains("grpc-status") ? trailers.get("grpc-status") : headers.get("grpc-status");
        String message = trailers.contains("grpc-status") ? trailers.get("grpc-message") : headers.get("grpc-message");
        return new Answer(response.version(), response.statusCode(), status == null ? null : Integer.valueOf(status),
                message == null ? null : URLDecoder.decode(message.replace("+", "%2B"), StandardCharsets.UTF_8),
                body);
    }

    private static Buffer frame(byte[] message) {
        return frame(0, message);
    }

    private static Buffer frame(int flags, byte[] message) {
        return Buffer.buffer().appendByte((byte) flags).appendUnsignedInt(message.length).appendBytes(message);
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    private static void assertNotAReading(byte[] bytes) {
        assertThatThrownBy(() -> Reading.parseFrom(bytes)).isInstanceOf(InvalidProtocolBufferException.class);
    }

    private static ReadingAck ack(AckCollector collector, long seq) {
        return collector.acks.stream().filter(a -> a.getSeq() == seq).findFirst()
                .orElseThrow(() -> new AssertionError("no ack for seq " + seq));
    }

    private static Reading reading(String deviceId, long seq) {
        return GatewayGrpcTest.reading(deviceId, seq).toBuilder()
                .setTimestamp(Timestamp.newBuilder().setSeconds(Instant.now().minusSeconds(60).getEpochSecond()))
                .build();
    }
}
