package org.smartenergy.platform.gateway;

import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.smartenergy.platform.ingestion.IngestionApi;
import org.smartenergy.proto.v1.Reading;
import org.smartenergy.proto.v1.ReadingAck;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;
import static org.smartenergy.platform.gateway.GatewayHarness.DEVICE;
import static org.smartenergy.platform.gateway.GatewayHarness.OTHER_DEVICE;
import static org.smartenergy.platform.gateway.GatewayHarness.await;

/**
 * The device-facing gRPC contract of the gateway, exercised with the plain grpc-java client against a fake ingestion
 * consumer on the event bus and the real Mongo device registry (in-memory server).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class GatewayGrpcTest {

    private GatewayHarness gateway;

    @BeforeEach
    void startGateway(Vertx vertx) throws Exception {
        gateway = GatewayHarness.start(vertx);
    }

    @AfterEach
    void stopGateway() throws Exception {
        gateway.close();
    }

    // ---------------------------------------------------------------- authentication and permission

    @Test
    void callWithoutTokenIsUnauthenticatedAndNothingIsForwarded() {
        // WHEN a reading is sent without authorization metadata
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                () -> gateway.blocking(null).sendReading(reading(DEVICE, 1)));
        // THEN the call is UNAUTHENTICATED with a message, and ingestion saw nothing
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(e.getStatus().getDescription()).contains("missing authorization");
        assertThat(gateway.ingestion.received).isEmpty();
    }

    @Test
    void callWithUnknownOrMalformedTokenIsUnauthenticated() {
        // WHEN readings are sent with a token nobody was given, and with a non-bearer header
        StatusRuntimeException unknown = catchThrowableOfType(StatusRuntimeException.class,
                () -> gateway.blocking("Bearer not-a-real-token").sendReading(reading(DEVICE, 1)));
        StatusRuntimeException malformed = catchThrowableOfType(StatusRuntimeException.class,
                () -> gateway.blocking("Basic " + gateway.token).sendReading(reading(DEVICE, 1)));
        // THEN both are UNAUTHENTICATED and nothing reaches ingestion
        assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(unknown.getStatus().getDescription()).contains("unknown device token");
        assertThat(malformed.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(malformed.getStatus().getDescription()).contains("malformed");
        assertThat(gateway.ingestion.received).isEmpty();
    }

    @Test
    void streamWithUnknownTokenIsUnauthenticated() throws Exception {
        // GIVEN a stream opened with an unknown token
        AckCollector collector = new AckCollector();
        StreamObserver<Reading> requests = gateway.async("Bearer nope").streamReadings(collector);
        // WHEN it sends a reading
        requests.onNext(reading(DEVICE, 1));
        // THEN the stream ends UNAUTHENTICATED without acks and nothing is forwarded
        assertThat(collector.done.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(collector.acks).isEmpty();
        assertThat(gateway.ingestion.received).isEmpty();
    }

    @Test
    void unaryReadingOfAnotherDeviceIsPermissionDeniedAndNotForwarded() {
        // WHEN meter-1's token sends a reading naming meter-2
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                () -> gateway.blocking(bearer(gateway.token)).sendReading(reading(OTHER_DEVICE, 7)));
        // THEN PERMISSION_DENIED, and ingestion never saw it
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(e.getStatus().getDescription()).contains(OTHER_DEVICE);
        assertThat(gateway.ingestion.received).isEmpty();
    }

    @Test
    void streamReadingOfAnotherDeviceEndsTheStreamWithPermissionDenied() throws Exception {
        // GIVEN a stream of meter-1 whose first reading was acked
        AckCollector collector = new AckCollector();
        StreamObserver<Reading> requests = gateway.async(bearer(gateway.token)).streamReadings(collector);
        requests.onNext(reading(DEVICE, 1));
        waitFor(() -> collector.acks.size() == 1);
        // WHEN it sends a reading of meter-2, then another of its own
        requests.onNext(reading(OTHER_DEVICE, 2));
        requests.onNext(reading(DEVICE, 3));
        // THEN the stream ends PERMISSION_DENIED, the earlier ack stands, and only seq 1 was forwarded
        Status status = collector.done.get(10, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(collector.acks).extracting(ReadingAck::getSeq).containsExactly(1L);
        Thread.sleep(200);
        assertThat(gateway.ingestion.received).extracting(Reading::getSeq).containsExactly(1L);
    }

    // ---------------------------------------------------------------- SendReading outcomes

    @Test
    void acceptedReadingIsAckedWithItsDeviceIdAndSeq() {
        // WHEN ingestion accepts a reading
        ReadingAck ack = gateway.blocking(bearer(gateway.token)).sendReading(reading(DEVICE, 42));
        // THEN the ack echoes device and seq, and ingestion got the reading with the authenticated device header
        assertThat(ack.getDeviceId()).isEqualTo(DEVICE);
        assertThat(ack.getSeq()).isEqualTo(42L);
        assertThat(ack.getOutcome()).isEqualTo(ReadingAck.Outcome.ACCEPTED);
        assertThat(gateway.ingestion.received).containsExactly(reading(DEVICE, 42));
        assertThat(gateway.ingestion.deviceHeaders).containsExactly(DEVICE);
        assertThat(gateway.counter(GatewayMetrics.CALLS, "method", "SendReading", "status", "OK")).isEqualTo(1.0);
    }

    @Test
    void rejectedReadingIsInvalidArgumentWithTheReason() {
        // GIVEN ingestion rejects readings
        gateway.ingestion.respond(r -> FakeIngestion.Reply.reject("usage_kwh must be >= 0"));
        // WHEN one is sent
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                () -> gateway.blocking(bearer(gateway.token)).sendReading(reading(DEVICE, 1)));
        // THEN INVALID_ARGUMENT carries the reason
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).isEqualTo("usage_kwh must be >= 0");
    }

    @Test
    void brokerUnavailableIsUnavailable() {
        gateway.ingestion.respond(r -> FakeIngestion.Reply.fail(IngestionApi.FAILURE_UNAVAILABLE));
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                () -> gateway.blocking(bearer(gateway.token)).sendReading(reading(DEVICE, 1)));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void ingestionOverloadIsResourceExhausted() {
        gateway.ingestion.respond(r -> FakeIngestion.Reply.fail(IngestionApi.FAILURE_OVERLOADED));
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                () -> gateway.blocking(bearer(gateway.token)).sendReading(reading(DEVICE, 1)));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    }

    @Test
    void missingIngestionConsumerIsUnavailable() throws Exception {
        // GIVEN nobody consumes readings
        await(gateway.ingestion.unregister());
        // WHEN a reading is sent THEN UNAVAILABLE (not UNKNOWN, not a hang)
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                () -> gateway.blocking(bearer(gateway.token)).sendReading(reading(DEVICE, 1)));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void ingestionTimeoutIsUnavailable(Vertx vertx) throws Exception {
        // GIVEN a gateway with a short ingestion timeout, and ingestion that never answers
        gateway.close();
        gateway = GatewayHarness.start(vertx,
                GatewayOptions.withSecret(GatewayHarness.SECRET).withPorts(0, 0).withIngestionTimeoutMs(300));
        gateway.ingestion.respond(r -> FakeIngestion.Reply.HOLD);
        // WHEN a reading is sent THEN UNAVAILABLE once the timeout expired
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                () -> gateway.blocking(bearer(gateway.token)).sendReading(reading(DEVICE, 1)));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void unexpectedIngestionReplyIsInternalNeverUnknown() {
        // GIVEN ingestion answers something outside the contract
        gateway.ingestion.respond(r -> new FakeIngestion.Reply("MAYBE", null, 0));
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                () -> gateway.blocking(bearer(gateway.token)).sendReading(reading(DEVICE, 1)));
        // THEN INTERNAL with a generic message that leaks nothing
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(e.getStatus().getDescription()).isEqualTo("internal error");
    }

    // ---------------------------------------------------------------- StreamReadings

    @Test
    void streamOfThousandReadingsGetsOneAckPerReadingMatchedBySeq(VertxTestContext testContext) {
        // GIVEN a stream and 1,000 readings
        int count = 1_000;
        Checkpoint ackReceived = testContext.checkpoint(count);
        Checkpoint completed = testContext.checkpoint();
        AckCollector collector = new AckCollector(ack -> ackReceived.flag());
        collector.done.whenComplete((status, t) -> testContext.verify(() -> {
            // THEN the stream ends OK with exactly one ACCEPTED ack per seq
            assertThat(status.getCode()).isEqualTo(Status.Code.OK);
            assertThat(collector.acks).hasSize(count);
            assertThat(collector.acks).allMatch(a -> a.getOutcome() == ReadingAck.Outcome.ACCEPTED
                    && a.getDeviceId().equals(DEVICE));
            assertThat(collector.acks.stream().map(ReadingAck::getSeq).collect(Collectors.toSet()))
                    .isEqualTo(LongStream.rangeClosed(1, count).boxed().collect(Collectors.toSet()));
            // handed over in batch requests of at most ingestionBatchMaxReadings
            assertThat(gateway.ingestion.requests).allSatisfy(r -> assertThat(r)
                    .hasSizeLessThanOrEqualTo(GatewayOptions.DEFAULT_INGESTION_BATCH_MAX_READINGS));
            assertThat(gateway.ingestion.requests.stream().mapToInt(List::size).sum()).isEqualTo(count);
            completed.flag();
        }));
        // WHEN they are streamed and the client half-closes
        StreamObserver<Reading> requests = gateway.async(bearer(gateway.token)).streamReadings(collector);
        for (int seq = 1; seq <= count; seq++) {
            requests.onNext(reading(DEVICE, seq));
        }
        requests.onCompleted();
    }

    @Test
    void moreThanAHundredStreamsOnOneConnectionAreAllServedAtOnce() throws Exception {
        // GIVEN 150 streams open at once on the client's single connection (a concentrator, a load generator)
        int streams = 150;
        List<AckCollector> collectors = new ArrayList<>();
        List<StreamObserver<Reading>> requests = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            AckCollector collector = new AckCollector();
            collectors.add(collector);
            requests.add(gateway.async(bearer(gateway.token)).streamReadings(collector));
        }
        // WHEN each sends one reading and none of them ends
        for (int i = 0; i < streams; i++) {
            requests.get(i).onNext(reading(DEVICE, i + 1));
        }
        // THEN every stream gets its ack while all are open (Vert.x's default of 100 streams per connection
        // held the 101st call back until another ended)
        waitFor(() -> collectors.stream().allMatch(c -> c.acks.size() == 1));
        assertThat(collectors).allSatisfy(c -> assertThat(c.done).isNotDone());
        requests.forEach(StreamObserver::onCompleted);
        for (AckCollector c : collectors) {
            assertThat(c.done.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
        }
    }

    @Test
    void aConnectionHasAtMostMaxConcurrentStreamsPerConnectionCallsOpen(Vertx vertx) throws Exception {
        // GIVEN a gateway allowing 2 calls per connection
        gateway.close();
        gateway = GatewayHarness.start(vertx, GatewayOptions.withSecret(GatewayHarness.SECRET).withPorts(0, 0)
                .withMaxConcurrentStreamsPerConnection(2));
        AckCollector first = new AckCollector();
        AckCollector second = new AckCollector();
        AckCollector third = new AckCollector();
        StreamObserver<Reading> firstRequests = gateway.async(bearer(gateway.token)).streamReadings(first);
        StreamObserver<Reading> secondRequests = gateway.async(bearer(gateway.token)).streamReadings(second);
        firstRequests.onNext(reading(DEVICE, 1));
        secondRequests.onNext(reading(DEVICE, 2));
        waitFor(() -> first.acks.size() == 1 && second.acks.size() == 1);
        // WHEN a third call on the same connection sends a reading
        StreamObserver<Reading> thirdRequests = gateway.async(bearer(gateway.token)).streamReadings(third);
        thirdRequests.onNext(reading(DEVICE, 3));
        // THEN it waits in the client while two are open (nothing of it reaches ingestion)
        Thread.sleep(500);
        assertThat(third.acks).isEmpty();
        assertThat(gateway.ingestion.requests.stream().flatMap(List::stream).map(Reading::getSeq))
                .doesNotContain(3L);
        // AND once one ends, it is served
        firstRequests.onCompleted();
        waitFor(() -> third.acks.size() == 1);
        secondRequests.onCompleted();
        thirdRequests.onCompleted();
        assertThat(third.done.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
    }

    @Test
    void streamGoesOnAfterRejectedReading() throws Exception {
        // GIVEN ingestion rejects seq 2 only
        gateway.ingestion.respond(r -> r.getSeq() == 2 ? FakeIngestion.Reply.reject("usage_kwh must be finite")
                : FakeIngestion.Reply.ACCEPT);
        AckCollector collector = new AckCollector();
        StreamObserver<Reading> requests = gateway.async(bearer(gateway.token)).streamReadings(collector);
        // WHEN three readings are streamed
        for (int seq = 1; seq <= 3; seq++) {
            requests.onNext(reading(DEVICE, seq));
        }
        requests.onCompleted();
        // THEN seq 2 is REJECTED with its reason, 1 and 3 ACCEPTED, and the stream ends OK
        assertThat(collector.done.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
        assertThat(collector.acks).hasSize(3);
        assertThat(collector.acks).filteredOn(a -> a.getSeq() == 2).singleElement()
                .satisfies(a -> {
                    assertThat(a.getOutcome()).isEqualTo(ReadingAck.Outcome.REJECTED);
                    assertThat(a.getReason()).isEqualTo("usage_kwh must be finite");
                });
        assertThat(collector.acks).filteredOn(a -> a.getSeq() != 2)
                .allMatch(a -> a.getOutcome() == ReadingAck.Outcome.ACCEPTED);
    }

    @Test
    void transientFailureEndsTheStreamWithUnavailableOnlyAfterTheOutcomesOfForwardedReadings() throws Exception {
        // GIVEN ingestion accepts seq 1, fails seq 2 with 503 and holds everything else
        gateway.ingestion.respond(r -> r.getSeq() == 1 ? FakeIngestion.Reply.ACCEPT
                : r.getSeq() == 2 ? FakeIngestion.Reply.fail(IngestionApi.FAILURE_UNAVAILABLE)
                : FakeIngestion.Reply.HOLD);
        AckCollector collector = new AckCollector();
        StreamObserver<Reading> requests = gateway.async(bearer(gateway.token)).streamReadings(collector);
        requests.onNext(reading(DEVICE, 1));
        waitFor(() -> collector.acks.size() == 1);
        requests.onNext(reading(DEVICE, 3));
        waitFor(() -> gateway.ingestion.heldNow.get() == 1);
        // WHEN seq 2 fails while seq 3 is still with ingestion, and the client sends seq 4 after it
        requests.onNext(reading(DEVICE, 2));
        waitFor(() -> gateway.ingestion.received.size() == 3);
        requests.onNext(reading(DEVICE, 4));
        Thread.sleep(300);
        // THEN the stream is not ended while seq 3's outcome is pending
        assertThat(collector.done).isNotDone();
        // WHEN ingestion answers seq 3
        gateway.ingestion.releaseHeldEvery(10);
        // THEN seq 3's ack is delivered before the UNAVAILABLE status; seq 4 (sent after the failure) is not taken
        assertThat(collector.done.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(collector.acks).extracting(ReadingAck::getSeq).containsExactly(1L, 3L);
        assertThat(gateway.ingestion.received).extracting(Reading::getSeq).containsExactly(1L, 3L, 2L);
        assertThat(gateway.counter(GatewayMetrics.CALLS, "method", "StreamReadings", "status", "UNAVAILABLE"))
                .isEqualTo(1.0);
        gateway.ingestion.stopReleasing();
    }

    @Test
    void overloadEndsTheStreamWithResourceExhausted() throws Exception {
        gateway.ingestion.respond(r -> FakeIngestion.Reply.fail(IngestionApi.FAILURE_OVERLOADED));
        AckCollector collector = new AckCollector();
        StreamObserver<Reading> requests = gateway.async(bearer(gateway.token)).streamReadings(collector);
        requests.onNext(reading(DEVICE, 1));
        assertThat(collector.done.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(collector.acks).isEmpty();
    }

    @Test
    void streamIsPausedAtMaxUnackedAndDeliversEveryAckOnceIngestionCatchesUp(Vertx vertx) throws Exception {
        // GIVEN a gateway allowing 100 unacked readings per stream, and ingestion holding every reply
        int maxUnacked = 100;
        int count = 5_000;
        gateway.close();
        gateway = GatewayHarness.start(vertx, GatewayOptions.withSecret(GatewayHarness.SECRET).withPorts(0, 0)
                .withMaxUnackedPerStream(maxUnacked));
        gateway.ingestion.respond(r -> FakeIngestion.Reply.HOLD);
        double pausedBefore = pausedNow();
        AckCollector collector = new AckCollector();
        StreamObserver<Reading> requests = gateway.async(bearer(gateway.token)).streamReadings(collector);

        // WHEN the client sends 5,000 readings as fast as it can
        for (int seq = 1; seq <= count; seq++) {
            requests.onNext(reading(DEVICE, seq));
        }
        requests.onCompleted();

        // THEN the gateway stops reading at exactly maxUnacked forwarded readings, and stays there
        waitFor(() -> gateway.ingestion.heldNow.get() == maxUnacked);
        Thread.sleep(300);
        assertThat(gateway.ingestion.received).hasSize(maxUnacked);
        assertThat(gateway.counter(GatewayMetrics.PAUSES)).isGreaterThanOrEqualTo(1.0);
        assertThat(pausedNow()).as("streams paused now").isEqualTo(pausedBefore + 1);

        // WHEN ingestion answers what it holds, again and again
        gateway.ingestion.releaseHeldEvery(5);

        // THEN all 5,000 acks arrive, one per seq, and ingestion never held more than maxUnacked at a time
        // (no slack: the stream is paused when the limit is reached, before the next reading is delivered)
        assertThat(collector.done.get(40, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
        Set<Long> seqs = collector.acks.stream().map(ReadingAck::getSeq).collect(Collectors.toSet());
        assertThat(collector.acks).hasSize(count);
        assertThat(seqs).hasSize(count);
        assertThat(gateway.ingestion.maxHeld.get()).isLessThanOrEqualTo(maxUnacked);
        // AND once the call is over it no longer counts as paused (nor below: opening a stream is no resume)
        waitFor(() -> pausedNow() == pausedBefore);
        gateway.ingestion.stopReleasing();
    }

    /** {@code energy.gateway.streams.paused}: shared by every gateway of the JVM, so tests compare it before/after. */
    private double pausedNow() {
        return gateway.meters.find(GatewayMetrics.PAUSED).gauge().value();
    }

    @Test
    void clientCancelStopsTheStreamAndLaterOutcomesAreNotWritten() throws Exception {
        // GIVEN a stream whose readings ingestion holds
        gateway.ingestion.respond(r -> FakeIngestion.Reply.HOLD);
        io.grpc.Context.CancellableContext cancellable = io.grpc.Context.current().withCancellation();
        AckCollector collector = new AckCollector();
        StreamObserver<Reading> requests = cancellable.call(
                () -> gateway.async(bearer(gateway.token)).streamReadings(collector));
        for (int seq = 1; seq <= 10; seq++) {
            requests.onNext(reading(DEVICE, seq));
        }
        waitFor(() -> gateway.ingestion.heldNow.get() == 10);
        // WHEN the client cancels, and ingestion answers afterwards
        cancellable.cancel(null);
        assertThat(collector.done.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.CANCELLED);
        waitFor(() -> gateway.counter(GatewayMetrics.CALLS, "method", "StreamReadings", "status", "CANCELLED") == 1.0);
        gateway.ingestion.releaseHeldEvery(10);
        waitFor(() -> gateway.ingestion.heldNow.get() == 0);
        Thread.sleep(100);
        // THEN the gateway saw the cancel and ended the call once, writing nothing more
        assertThat(collector.acks).isEmpty();
        assertThat(gateway.meters.find(GatewayMetrics.CALLS).tag("method", "StreamReadings").counters())
                .hasSize(1);
    }

    // ---------------------------------------------------------------- hand-over in batches

    @Test
    void readingsOfSeveralStreamsHandedOverInOneRequestEachGetTheirOwnOutcome(Vertx vertx) throws Exception {
        // GIVEN a gateway handing readings over 4 at a time (the delay is long: the count sends the request)
        gateway.close();
        gateway = GatewayHarness.start(vertx, GatewayOptions.withSecret(GatewayHarness.SECRET).withPorts(0, 0)
                .withIngestionBatching(4, 1_000));
        // AND ingestion rejecting meter-2's seq 2 only
        gateway.ingestion.respond(r -> r.getDeviceId().equals(OTHER_DEVICE) && r.getSeq() == 2
                ? FakeIngestion.Reply.reject("usage_kwh must be finite") : FakeIngestion.Reply.ACCEPT);
        AckCollector first = new AckCollector();
        AckCollector second = new AckCollector();
        StreamObserver<Reading> firstRequests = gateway.async(bearer(gateway.token)).streamReadings(first);
        StreamObserver<Reading> secondRequests = gateway.async(bearer(gateway.otherToken)).streamReadings(second);
        // WHEN two streams of two devices send two readings each
        firstRequests.onNext(reading(DEVICE, 1));
        secondRequests.onNext(reading(OTHER_DEVICE, 1));
        firstRequests.onNext(reading(DEVICE, 2));
        secondRequests.onNext(reading(OTHER_DEVICE, 2));
        firstRequests.onCompleted();
        secondRequests.onCompleted();
        // THEN ingestion got them in one request, each with its authenticated device
        assertThat(first.done.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
        assertThat(second.done.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
        assertThat(gateway.ingestion.requests).hasSize(1);
        assertThat(gateway.ingestion.requests.peek()).extracting(Reading::getDeviceId)
                .containsExactlyInAnyOrder(DEVICE, DEVICE, OTHER_DEVICE, OTHER_DEVICE);
        assertThat(gateway.ingestion.deviceHeaders).containsExactlyInAnyOrder(DEVICE, DEVICE, OTHER_DEVICE,
                OTHER_DEVICE);
        // AND each stream got its own outcomes: meter-1 both accepted, meter-2 seq 1 accepted and seq 2 rejected
        assertThat(first.acks).extracting(ReadingAck::getDeviceId, ReadingAck::getSeq, ReadingAck::getOutcome)
                .containsExactlyInAnyOrder(tuple(DEVICE, 1L, ReadingAck.Outcome.ACCEPTED),
                        tuple(DEVICE, 2L, ReadingAck.Outcome.ACCEPTED));
        assertThat(second.acks).extracting(ReadingAck::getDeviceId, ReadingAck::getSeq, ReadingAck::getOutcome,
                        ReadingAck::getReason)
                .containsExactlyInAnyOrder(tuple(OTHER_DEVICE, 1L, ReadingAck.Outcome.ACCEPTED, ""),
                        tuple(OTHER_DEVICE, 2L, ReadingAck.Outcome.REJECTED, "usage_kwh must be finite"));
    }

    @Test
    void failedRequestFailsEveryReadingInItWithTheMappedStatus(Vertx vertx) throws Exception {
        // GIVEN a gateway handing readings over 4 at a time, and ingestion failing whole requests with 503
        gateway.close();
        gateway = GatewayHarness.start(vertx, GatewayOptions.withSecret(GatewayHarness.SECRET).withPorts(0, 0)
                .withIngestionBatching(4, 1_000));
        gateway.ingestion.failRequests(IngestionApi.FAILURE_UNAVAILABLE);
        AckCollector stream = new AckCollector();
        AckCollector unary = new AckCollector();
        StreamObserver<Reading> requests = gateway.async(bearer(gateway.token)).streamReadings(stream);
        // WHEN a stream's three readings and another device's unary reading go in one request
        for (int seq = 1; seq <= 3; seq++) {
            requests.onNext(reading(DEVICE, seq));
        }
        gateway.async(bearer(gateway.otherToken)).sendReading(reading(OTHER_DEVICE, 9), unary);
        // THEN both calls end UNAVAILABLE (mapped once, as for a single reading), without an ack
        assertThat(stream.done.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(unary.done.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(stream.acks).isEmpty();
        assertThat(unary.acks).isEmpty();
        assertThat(gateway.ingestion.requests).hasSize(1).allSatisfy(r -> assertThat(r).hasSize(4));

        // AND with requests failing as overloaded, the same readings end RESOURCE_EXHAUSTED
        gateway.ingestion.failRequests(IngestionApi.FAILURE_OVERLOADED);
        AckCollector again = new AckCollector();
        StreamObserver<Reading> retry = gateway.async(bearer(gateway.token)).streamReadings(again);
        for (int seq = 1; seq <= 4; seq++) {
            retry.onNext(reading(DEVICE, seq));
        }
        assertThat(again.done.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    }

    @Test
    void perReadingUnavailableAndOverloadedOutcomesMapLikeFailedSingleReplies(Vertx vertx) throws Exception {
        // GIVEN one request holding a unary reading answered UNAVAILABLE and one answered OVERLOADED
        gateway.close();
        gateway = GatewayHarness.start(vertx, GatewayOptions.withSecret(GatewayHarness.SECRET).withPorts(0, 0)
                .withIngestionBatching(2, 1_000));
        gateway.ingestion.respond(r -> r.getSeq() == 1 ? FakeIngestion.Reply.fail(IngestionApi.FAILURE_UNAVAILABLE)
                : FakeIngestion.Reply.fail(IngestionApi.FAILURE_OVERLOADED));
        AckCollector unavailable = new AckCollector();
        AckCollector overloaded = new AckCollector();
        // WHEN both are sent
        gateway.async(bearer(gateway.token)).sendReading(reading(DEVICE, 1), unavailable);
        gateway.async(bearer(gateway.otherToken)).sendReading(reading(OTHER_DEVICE, 2), overloaded);
        // THEN each call gets its own status
        assertThat(unavailable.done.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(overloaded.done.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(gateway.ingestion.requests).hasSize(1);
    }

    @Test
    void readingsGoOneByOneToTheSingleReadingAddressWhenNoIngestionServesBatches() throws Exception {
        // GIVEN only an ingestion of the earlier contract (mixed-version cluster)
        gateway.replaceIngestion(FakeIngestion.Contract.SINGLE);
        gateway.ingestion.respond(r -> r.getSeq() == 2 ? FakeIngestion.Reply.reject("usage_kwh must be finite")
                : FakeIngestion.Reply.ACCEPT);
        // WHEN a unary reading and a stream of three are sent
        ReadingAck ack = gateway.blocking(bearer(gateway.token)).sendReading(reading(DEVICE, 7));
        AckCollector collector = new AckCollector();
        StreamObserver<Reading> requests = gateway.async(bearer(gateway.token)).streamReadings(collector);
        for (int seq = 1; seq <= 3; seq++) {
            requests.onNext(reading(DEVICE, seq));
        }
        requests.onCompleted();
        // THEN every reading got its outcome through the old address, with the device header
        assertThat(ack.getOutcome()).isEqualTo(ReadingAck.Outcome.ACCEPTED);
        assertThat(collector.done.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
        assertThat(collector.acks).extracting(ReadingAck::getSeq, ReadingAck::getOutcome).containsExactlyInAnyOrder(
                tuple(1L, ReadingAck.Outcome.ACCEPTED), tuple(2L, ReadingAck.Outcome.REJECTED),
                tuple(3L, ReadingAck.Outcome.ACCEPTED));
        assertThat(gateway.ingestion.requests).hasSize(4).allSatisfy(r -> assertThat(r).hasSize(1));
        assertThat(gateway.ingestion.deviceHeaders).containsOnly(DEVICE);
    }

    // ---------------------------------------------------------------- token cache

    @Test
    void tokenIsLookedUpOnceForAStreamOfThousandAndThousandUnaryCalls() throws Exception {
        // WHEN one device sends 1,000 unary readings and a stream of 1,000 readings with the same token
        var stub = gateway.blocking(bearer(gateway.token));
        for (int seq = 1; seq <= 1_000; seq++) {
            stub.sendReading(reading(DEVICE, seq));
        }
        AckCollector collector = new AckCollector();
        StreamObserver<Reading> requests = gateway.async(bearer(gateway.token)).streamReadings(collector);
        for (int seq = 1_001; seq <= 2_000; seq++) {
            requests.onNext(reading(DEVICE, seq));
        }
        requests.onCompleted();
        assertThat(collector.done.get(20, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
        // THEN the registry was asked once
        assertThat(collector.acks).hasSize(1_000);
        assertThat(gateway.registry.tokenLookups.get()).isEqualTo(1);
    }

    @Test
    void unknownTokenIsRememberedBriefly() {
        // WHEN the same unknown token is tried 50 times
        for (int i = 0; i < 50; i++) {
            StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                    () -> gateway.blocking("Bearer guessed-token").sendReading(reading(DEVICE, 1)));
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        }
        // THEN the registry was asked once
        assertThat(gateway.registry.tokenLookups.get()).isEqualTo(1);
    }

    @Test
    void tokenOfProvisionedDeviceIsAcceptedAfterInsertIntoMongo() throws Exception {
        // GIVEN the other device's token, as it is stored (hash only)
        JsonObject stored = await(gateway.mongo.findOne("devices", new JsonObject().put("_id", OTHER_DEVICE), null));
        assertThat(stored.encode()).doesNotContain(gateway.otherToken);
        // WHEN meter-2 sends with its token THEN it is accepted
        ReadingAck ack = gateway.blocking(bearer(gateway.otherToken)).sendReading(reading(OTHER_DEVICE, 5));
        assertThat(ack.getOutcome()).isEqualTo(ReadingAck.Outcome.ACCEPTED);
    }

    // ---------------------------------------------------------------- helpers

    static Reading reading(String deviceId, long seq) {
        Instant end = Instant.parse("2026-01-01T00:00:00Z").plusSeconds(900 * seq);
        return Reading.newBuilder()
                .setDeviceId(deviceId)
                .setSeq(seq)
                .setUsageKwh(0.25)
                .setIntervalSeconds(900)
                .setTimestamp(Timestamp.newBuilder().setSeconds(end.getEpochSecond()))
                .build();
    }

    static String bearer(String token) {
        return "Bearer " + token;
    }

    static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(5);
        }
    }
}
