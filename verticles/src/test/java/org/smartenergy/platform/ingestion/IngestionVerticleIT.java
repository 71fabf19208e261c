package org.smartenergy.platform.ingestion;

import com.google.protobuf.Timestamp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.rabbitmq.RabbitMQClient;
import io.vertx.rabbitmq.RabbitMQMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.smartenergy.platform.domain.MeterReading;
import org.smartenergy.platform.domain.RejectReason;
import org.smartenergy.platform.queue.QueueTopology;
import org.smartenergy.platform.queue.RabbitSettings;
import org.smartenergy.platform.queue.ReadingBatchCodec;
import org.smartenergy.proto.v1.Reading;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ingestion against the real RabbitMQ on 127.0.0.1:5672. Every test uses its own exchanges and queues (suffixed
 * with a UUID) and deletes them afterwards; tests that raise the broker's memory alarm clear it again in
 * {@link #tearDown}, even when they fail.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class IngestionVerticleIT {

    private static final String NODE = "rabbit@localhost";
    private static final String NORMAL_WATERMARK = "0.4";
    private static final AtomicBoolean ALARM_RAISED = new AtomicBoolean();

    static {
        // last resort if the JVM dies mid-test: never leave the shared broker blocked
        Runtime.getRuntime().addShutdownHook(new Thread(IngestionVerticleIT::clearAlarmNow));
    }

    private Vertx vertx;
    private QueueTopology topology;
    private RabbitSettings settings;
    private RabbitMQClient admin;
    private SimpleMeterRegistry registry;
    private String deploymentId;
    private IngestionVerticle verticle;
    private String policyName;

    @BeforeEach
    void setUp(Vertx vertx, VertxTestContext ctx) {
        this.vertx = vertx;
        String suffix = "." + UUID.randomUUID();
        topology = QueueTopology.DEFAULTS.withSuffix(suffix);
        settings = new RabbitSettings(RabbitSettings.DEFAULT_URI, 200, 2000, topology);
        registry = new SimpleMeterRegistry();
        admin = settings.newClient(vertx, "ingestion-it-admin" + suffix);
        admin.start().onComplete(ctx.succeedingThenComplete());
    }

    /**
     * Blocks the JUnit thread (never an event loop) so that clean-up also runs to the end after a failed test:
     * vertx-junit5 would rethrow the test's failure when joining an {@code @AfterEach} test context.
     */
    @AfterEach
    void tearDown() throws Exception {
        clearAlarmNow();
        Future<Void> undeployed = deploymentId == null ? Future.succeededFuture() : vertx.undeploy(deploymentId);
        undeployed
                .recover(e -> Future.succeededFuture())
                .compose(v -> policyName == null ? Future.succeededFuture()
                        : rabbitmqctl("clear_policy", policyName).recover(e -> Future.succeededFuture()))
                .compose(v -> admin.queueDelete(topology.queue()).recover(e -> Future.succeededFuture()))
                .compose(v -> admin.queueDelete(topology.deadLetterQueue()).recover(e -> Future.succeededFuture()))
                .compose(v -> admin.exchangeDelete(topology.exchange()).recover(e -> Future.succeededFuture()))
                .compose(v -> admin.exchangeDelete(topology.deadLetterExchange()).recover(e -> Future.succeededFuture()))
                .compose(v -> admin.stop())
                .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    // ---------------------------------------------------------------------------------------------------------

    @Test
    void acceptsValidReadingsAndQueuesExactlyThoseReadings(VertxTestContext ctx) {
        // GIVEN ingestion with default batching
        List<Reading> readings = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            readings.add(reading("meter-" + i, Instant.now().minusSeconds(60 * i), 0.125 * i, i, 900));
        }
        deploy(IngestionOptions.DEFAULTS)
                // WHEN the readings arrive over the event bus
                .compose(v -> Future.all(readings.stream().map(r -> send(r).map(this::body)).toList()))
                // THEN each is ACCEPTED
                .map(all -> {
                    ctx.verify(() -> all.<JsonObject>list().forEach(reply ->
                            assertThat(reply.getString(IngestionApi.FIELD_OUTCOME)).isEqualTo(IngestionApi.ACCEPTED)));
                    return null;
                })
                // AND the queue holds persistent batches with exactly those readings
                .compose(v -> drainQueue())
                .onComplete(ctx.succeeding(messages -> ctx.verify(() -> {
                    assertThat(messages).isNotEmpty();
                    messages.forEach(m -> {
                        assertThat(m.properties().getDeliveryMode()).isEqualTo(2);
                        assertThat(m.properties().getContentType()).isEqualTo(ReadingBatchCodec.CONTENT_TYPE);
                        assertThat(m.properties().getMessageId()).isNotBlank();
                    });
                    assertThat(decodeAll(messages))
                            .containsExactlyInAnyOrderElementsOf(readings.stream().map(this::expected).toList());
                    assertThat(counter("energy.readings.received")).isEqualTo(5);
                    assertThat(counter("energy.readings.published")).isEqualTo(5);
                    assertThat(counter("energy.readings.confirmed")).isEqualTo(5);
                    assertThat(counter("energy.readings.accepted")).isEqualTo(5);
                    assertThat(registry.get("energy.publish.confirm.latency").timer().count())
                            .isEqualTo(messages.size());
                    ctx.completeNow();
                })));
    }

    @Test
    void rejectsEveryInvalidReadingWithItsReasonAndNeverQueuesIt(VertxTestContext ctx) {
        Instant now = Instant.now();
        Map<RejectReason, Supplier<Future<Message<Object>>>> badInputs = Map.of(
                RejectReason.DEVICE_ID_INVALID, () -> send(reading("d".repeat(65), now, 1, 1, 900)),
                RejectReason.USAGE_NOT_FINITE, () -> send(reading("m", now, Double.NaN, 1, 900)),
                RejectReason.USAGE_NEGATIVE, () -> send(reading("m", now, -0.5, 1, 900)),
                RejectReason.USAGE_IMPLAUSIBLE, () -> send(reading("m", now, 250.001, 1, 900)),
                RejectReason.TIMESTAMP_MISSING, () -> send(reading("m", null, 1, 1, 900)),
                RejectReason.TIMESTAMP_IN_FUTURE, () -> send(reading("m", now.plus(Duration.ofMinutes(10)), 1, 1, 900)),
                RejectReason.TIMESTAMP_TOO_OLD, () -> send(reading("m", now.minus(Duration.ofDays(91)), 1, 1, 900)),
                // nanos 1e9 used to be carried over into the next second by Instant.ofEpochSecond and accepted
                RejectReason.TIMESTAMP_INVALID, () -> send(reading("m", now, 1, 1, 900).toBuilder()
                        .setTimestamp(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(1_000_000_000))
                        .build()),
                RejectReason.INTERVAL_INVALID, () -> send(reading("m", now, 1, 1, 86_401)),
                RejectReason.MALFORMED, () -> request(Buffer.buffer("not a protobuf \u00ff\u00ff\u00ff"
                        .getBytes(StandardCharsets.ISO_8859_1)), "m"));
        // GIVEN ingestion that would publish any batch after 10 ms
        deploy(IngestionOptions.DEFAULTS)
                // WHEN one reading of every invalid class arrives
                .compose(v -> Future.all(badInputs.entrySet().stream().map(e -> e.getValue().get().map(m -> {
                    // THEN each is REJECTED with its reason and a readable message
                    JsonObject reply = body(m);
                    ctx.verify(() -> {
                        assertThat(reply.getString(IngestionApi.FIELD_OUTCOME)).isEqualTo(IngestionApi.REJECTED);
                        assertThat(reply.getString(IngestionApi.FIELD_CODE)).isEqualTo(e.getKey().tag());
                        assertThat(reply.getString(IngestionApi.FIELD_REASON)).isNotBlank();
                    });
                    return reply;
                })).toList()))
                // AND a reading whose device differs from the authenticated one is refused as well
                .compose(v -> send(reading("meter-a", now, 1, 1, 900), "meter-b"))
                .map(m -> {
                    ctx.verify(() -> assertThat(body(m).getString(IngestionApi.FIELD_CODE))
                            .isEqualTo(RejectReason.DEVICE_ID_INVALID.tag()));
                    return null;
                })
                // AND after more than the batching delay the queue is still empty
                .compose(v -> delay(300))
                .compose(v -> admin.messageCount(topology.queue()))
                .map(count -> {
                    ctx.verify(() -> assertThat(count).isZero());
                    return null;
                })
                // AND a valid reading sent afterwards is the only thing queued (the path to the queue works)
                .compose(v -> send(reading("meter-ok", now, 1, 42, 900)))
                .compose(m -> drainQueue())
                .onComplete(ctx.succeeding(messages -> ctx.verify(() -> {
                    assertThat(decodeAll(messages)).extracting(MeterReading::deviceId).containsExactly("meter-ok");
                    for (RejectReason reason : badInputs.keySet()) {
                        double expected = reason == RejectReason.DEVICE_ID_INVALID ? 2 : 1;
                        assertThat(registry.get("energy.readings.rejected").tag("reason", reason.tag()).counter()
                                .count()).as(reason.tag()).isEqualTo(expected);
                    }
                    assertThat(counter("energy.readings.published")).isEqualTo(1);
                    ctx.completeNow();
                })));
    }

    @Test
    void publishesOneMessagePerBatchMaxReadings(VertxTestContext ctx) {
        // GIVEN batches of at most 100 readings (and a delay long enough not to cut them short)
        IngestionOptions options = options(new JsonObject().put("batchMaxReadings", 100).put("batchMaxDelayMs", 1000));
        Instant base = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofDays(1));
        List<Reading> readings = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            readings.add(reading("meter-" + (i % 7), base.plusSeconds(i), 0.001 * i, i, 900));
        }
        deploy(options)
                // WHEN 1000 readings arrive
                .compose(v -> Future.all(readings.stream().map(this::send).toList()))
                // THEN all are accepted and the queue holds 10 messages of 100 readings: exactly the readings sent
                .compose(v -> admin.messageCount(topology.queue()))
                .compose(count -> {
                    ctx.verify(() -> assertThat(count).isEqualTo(10));
                    return drainQueue();
                })
                .onComplete(ctx.succeeding(messages -> ctx.verify(() -> {
                    assertThat(messages).hasSize(10);
                    messages.forEach(m -> assertThat(ReadingBatchCodec.decode(m.body())).hasSize(100));
                    assertThat(decodeAll(messages))
                            .containsExactlyInAnyOrderElementsOf(readings.stream().map(this::expected).toList());
                    assertThat(counter("energy.readings.accepted")).isEqualTo(1000);
                    ctx.completeNow();
                })));
    }

    @Test
    void acksReadingOnlyAfterBrokerConfirm(VertxTestContext ctx) {
        // GIVEN ingestion with a confirm timeout longer than the test's wait
        AtomicReference<JsonObject> reply = new AtomicReference<>();
        AtomicBoolean answered = new AtomicBoolean();
        deploy(options(new JsonObject().put("confirmTimeoutMs", 30_000)))
                // AND a broker that blocks publishers (memory alarm)
                .compose(v -> raiseAlarm())
                .compose(v -> {
                    // WHEN a valid reading arrives
                    send(reading("meter-1", Instant.now(), 1, 1, 900)).onComplete(ar -> {
                        answered.set(true);
                        if (ar.succeeded()) {
                            reply.set(body(ar.result()));
                        } else {
                            ctx.failNow(ar.cause());
                        }
                    });
                    return delay(2_000);
                })
                // THEN there is no answer while the broker cannot confirm
                .map(v -> {
                    ctx.verify(() -> assertThat(answered).as("answered before the broker confirmed").isFalse());
                    return null;
                })
                // WHEN the alarm clears
                .compose(v -> clearAlarm())
                // THEN the reading is ACCEPTED
                .compose(v -> waitUntil(answered::get, 15_000))
                .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
                    assertThat(reply.get().getString(IngestionApi.FIELD_OUTCOME)).isEqualTo(IngestionApi.ACCEPTED);
                    assertThat(counter("energy.readings.confirmed")).isEqualTo(1);
                    ctx.completeNow();
                })));
    }

    @Test
    void failsAsUnavailableWhenBrokerDoesNotConfirmInTime(VertxTestContext ctx) {
        // GIVEN ingestion that waits 1 s for a confirm, and a broker blocking publishers
        long[] sentAt = new long[1];
        deploy(options(new JsonObject().put("confirmTimeoutMs", 1_000)))
                .compose(v -> raiseAlarm())
                .compose(v -> {
                    // WHEN a valid reading arrives
                    sentAt[0] = System.nanoTime();
                    return send(reading("meter-1", Instant.now(), 1, 1, 900));
                })
                .transform(ar -> {
                    // THEN it fails with 503 after about the confirm timeout
                    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt[0]);
                    ctx.verify(() -> {
                        assertThat(ar.failed()).as("reading must not be accepted").isTrue();
                        assertThat(ar.cause()).isInstanceOf(ReplyException.class);
                        ReplyException failure = (ReplyException) ar.cause();
                        assertThat(failure.failureType()).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
                        assertThat(failure.failureCode()).isEqualTo(IngestionApi.FAILURE_UNAVAILABLE);
                        assertThat(failure.getMessage()).contains("did not confirm within 1000 ms");
                        assertThat(elapsedMs).isBetween(900L, 5_000L);
                        assertThat(registry.get("energy.readings.unconfirmed").tag("cause", "timeout").counter()
                                .count()).isEqualTo(1);
                    });
                    return clearAlarm();
                })
                // AND once the broker recovers, the late confirm of the failed batch confuses nothing
                .compose(v -> send(reading("meter-2", Instant.now(), 1, 2, 900)))
                .onComplete(ctx.succeeding(m -> ctx.verify(() -> {
                    assertThat(body(m).getString(IngestionApi.FIELD_OUTCOME)).isEqualTo(IngestionApi.ACCEPTED);
                    assertThat(counter("energy.readings.accepted")).isEqualTo(1);
                    ctx.completeNow();
                })));
    }

    @Test
    void failsAsUnavailableWhenBrokerRefusesTheBatch(VertxTestContext ctx) {
        // GIVEN a policy that makes the broker refuse (nack) every publish to this test's queue
        String policy = "ingestion-it-nack" + topology.queue().substring(QueueTopology.DEFAULTS.queue().length());
        policyName = policy;
        deploy(IngestionOptions.DEFAULTS)
                .compose(v -> rabbitmqctl("set_policy", "--apply-to", "queues", "--priority", "100", policy,
                        "^" + java.util.regex.Pattern.quote(topology.queue()) + "$",
                        "{\"max-length\":0,\"overflow\":\"reject-publish\"}"))
                .compose(out -> delay(500)) // policies are applied asynchronously
                // (a quorum queue refuses only once it is over the limit: the first reading fills it)
                .compose(v -> send(reading("meter-1", Instant.now(), 1, 1, 900)))
                // WHEN a valid reading arrives
                .compose(v -> send(reading("meter-1", Instant.now(), 1, 2, 900)))
                .transform(ar -> {
                    // THEN it fails with 503: the broker refused the batch
                    ctx.verify(() -> {
                        assertThat(ar.failed()).as("reading must not be accepted").isTrue();
                        ReplyException failure = (ReplyException) ar.cause();
                        assertThat(failure.failureCode()).isEqualTo(IngestionApi.FAILURE_UNAVAILABLE);
                        assertThat(failure.getMessage()).isEqualTo("broker refused the batch");
                        assertThat(registry.get("energy.readings.unconfirmed").tag("cause", "nack").counter()
                                .count()).isEqualTo(1);
                        assertThat(counter("energy.readings.accepted")).isEqualTo(1);
                    });
                    return admin.messageCount(topology.queue());
                })
                .onComplete(ctx.succeeding(count -> ctx.verify(() -> {
                    assertThat(count).isEqualTo(1);
                    ctx.completeNow();
                })));
    }

    @Test
    void failsUnconfirmedBatchesAtOnceWhenTheConnectionDrops(VertxTestContext ctx) {
        // GIVEN a reading waiting for a confirm that the blocked broker does not send (timeout far away)
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] closedAt = new long[1];
        deploy(options(new JsonObject().put("confirmTimeoutMs", 60_000)))
                .compose(v -> raiseAlarm())
                .compose(v -> {
                    send(reading("meter-1", Instant.now(), 1, 1, 900)).onComplete(ar ->
                            failure.set(ar.failed() ? ar.cause() : new AssertionError("accepted while blocked")));
                    return delay(500);
                })
                // WHEN the broker closes the verticle's connection
                .compose(v -> {
                    closedAt[0] = System.nanoTime();
                    return closeOwnConnection();
                })
                // THEN the reading fails with 503 long before the confirm timeout
                .compose(v -> waitUntil(() -> failure.get() != null, 10_000))
                .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
                    assertThat(failure.get()).isInstanceOf(ReplyException.class);
                    assertThat(((ReplyException) failure.get()).failureCode()).isEqualTo(IngestionApi.FAILURE_UNAVAILABLE);
                    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closedAt[0])).isLessThan(10_000);
                    assertThat(registry.get("energy.readings.unconfirmed").tag("cause", "connection").counter()
                            .count()).isEqualTo(1);
                    assertThat(counter("energy.readings.accepted")).isZero();
                    ctx.completeNow();
                })));
    }

    @Test
    void reconnectsAndRedeclaresTopologyAfterConnectionLoss(VertxTestContext ctx) {
        // GIVEN ingestion that has published successfully
        deploy(IngestionOptions.DEFAULTS)
                .compose(v -> send(reading("meter-1", Instant.now(), 1, 1, 900)))
                // AND its queue deleted behind its back
                .compose(m -> admin.queueDelete(topology.queue()))
                // WHEN the broker closes the verticle's connection
                .compose(ok -> closeOwnConnection())
                // THEN a new reading is accepted once the verticle has reconnected
                .compose(v -> sendUntilAccepted(reading("meter-1", Instant.now(), 1, 2, 900), 20_000))
                // AND the queue was declared again and bound: it holds that reading
                .compose(v -> drainQueue())
                .onComplete(ctx.succeeding(messages -> ctx.verify(() -> {
                    assertThat(decodeAll(messages)).extracting(MeterReading::seq).containsExactly(2L);
                    ctx.completeNow();
                })));
    }

    @Test
    void refusesReadingsBeyondMaxPendingAsOverloaded(VertxTestContext ctx) {
        // GIVEN at most 5 pending readings, and batches that wait 2 s before publishing
        IngestionOptions options = options(new JsonObject()
                .put("maxPendingReadings", 5).put("batchMaxReadings", 100).put("batchMaxDelayMs", 2_000));
        List<Future<Message<Object>>> first = new ArrayList<>();
        AtomicInteger answeredBeforeOverload = new AtomicInteger();
        deploy(options)
                .compose(v -> {
                    // WHEN 5 readings are pending
                    for (int i = 0; i < 5; i++) {
                        Future<Message<Object>> f = send(reading("meter-1", Instant.now().minusSeconds(i), 1, i, 900));
                        f.onComplete(ar -> answeredBeforeOverload.incrementAndGet());
                        first.add(f);
                    }
                    // AND a 6th arrives
                    return send(reading("meter-1", Instant.now().minusSeconds(10), 1, 10, 900));
                })
                .transform(ar -> {
                    // THEN the 6th fails with 429 at once, before the pending ones are answered
                    ctx.verify(() -> {
                        assertThat(ar.failed()).isTrue();
                        assertThat(((ReplyException) ar.cause()).failureCode())
                                .isEqualTo(IngestionApi.FAILURE_OVERLOADED);
                        assertThat(answeredBeforeOverload.get()).isZero();
                    });
                    // AND the 5 pending ones are still accepted
                    return Future.all(first);
                })
                .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
                    all.<Message<Object>>list().forEach(m ->
                            assertThat(body(m).getString(IngestionApi.FIELD_OUTCOME)).isEqualTo(IngestionApi.ACCEPTED));
                    assertThat(counter("energy.readings.accepted")).isEqualTo(5);
                    ctx.completeNow();
                })));
    }

    @Test
    void batchRequestGetsOneOutcomePerReadingInOrderAndOnlyValidOnesArePublished(VertxTestContext ctx) {
        // GIVEN at most 5 pending readings, and AMQP batches of 2 (so one request spans several AMQP messages)
        IngestionOptions options = options(new JsonObject()
                .put("maxPendingReadings", 5).put("batchMaxReadings", 2).put("batchMaxDelayMs", 50));
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        List<String> devices = new ArrayList<>();
        List<Reading> readings = new ArrayList<>();
        // 0 valid, 1 invalid (negative), 2 valid, 3 another device than the authenticated one, 4..6 valid,
        // 7 and 8 valid but beyond the budget of 5
        String[] kinds = {"ok", "negative", "ok", "foreign", "ok", "ok", "ok", "ok", "ok"};
        for (int i = 0; i < kinds.length; i++) {
            String device = "meter-" + (i % 3);
            readings.add(reading(device, now.minusSeconds(i), kinds[i].equals("negative") ? -1 : 0.5, i, 900));
            devices.add(kinds[i].equals("foreign") ? "meter-x" : device);
        }
        deploy(options)
                // WHEN they arrive in one batch request
                .compose(v -> sendBatch(devices, readings))
                // THEN the reply holds one outcome per reading, in request order
                .compose(outcomes -> {
                    ctx.verify(() -> {
                        assertThat(outcomes).extracting(IngestionBatchCodec.Outcome::kind).containsExactly(
                                IngestionBatchCodec.Kind.ACCEPTED, IngestionBatchCodec.Kind.REJECTED,
                                IngestionBatchCodec.Kind.ACCEPTED, IngestionBatchCodec.Kind.REJECTED,
                                IngestionBatchCodec.Kind.ACCEPTED, IngestionBatchCodec.Kind.ACCEPTED,
                                IngestionBatchCodec.Kind.ACCEPTED, IngestionBatchCodec.Kind.OVERLOADED,
                                IngestionBatchCodec.Kind.OVERLOADED);
                        assertThat(outcomes.get(1).code()).isEqualTo(RejectReason.USAGE_NEGATIVE.tag());
                        assertThat(outcomes.get(1).reason()).isNotBlank();
                        assertThat(outcomes.get(3).code()).isEqualTo(RejectReason.DEVICE_ID_INVALID.tag());
                        assertThat(outcomes.get(7).reason()).contains("too many readings");
                    });
                    return admin.messageCount(topology.queue());
                })
                // AND exactly the 5 accepted readings are queued, in AMQP batches of at most 2
                .compose(count -> {
                    ctx.verify(() -> assertThat(count).isEqualTo(3));
                    return drainQueue();
                })
                .onComplete(ctx.succeeding(messages -> ctx.verify(() -> {
                    messages.forEach(m -> assertThat(ReadingBatchCodec.decode(m.body())).hasSizeLessThanOrEqualTo(2));
                    assertThat(decodeAll(messages)).containsExactlyInAnyOrderElementsOf(
                            List.of(0, 2, 4, 5, 6).stream().map(i -> expected(readings.get(i))).toList());
                    assertThat(counter("energy.readings.received")).isEqualTo(9);
                    assertThat(counter("energy.readings.accepted")).isEqualTo(5);
                    assertThat(counter("energy.readings.overloaded")).isEqualTo(2);
                    assertThat(counter("energy.readings.published")).isEqualTo(5);
                    ctx.completeNow();
                })));
    }

    @Test
    void batchRequestsAndSingleReadingsShareTheOpenBatch(VertxTestContext ctx) {
        // GIVEN one AMQP batch per 1 s (or 4 readings)
        IngestionOptions options = options(new JsonObject().put("batchMaxReadings", 4).put("batchMaxDelayMs", 1_000));
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Reading single = reading("meter-1", now, 1, 1, 900);
        List<Reading> batch = List.of(reading("meter-2", now, 1, 2, 900), reading("meter-3", now, 1, 3, 900),
                reading("meter-4", now, 1, 4, 900));
        deploy(options)
                // WHEN an old-style single reading and a batch request of 3 arrive together
                .compose(v -> Future.all(send(single),
                        sendBatch(batch.stream().map(Reading::getDeviceId).toList(), batch)))
                // THEN both are answered ACCEPTED, from one AMQP message holding all 4
                .compose(all -> {
                    ctx.verify(() -> {
                        assertThat(body(all.resultAt(0)).getString(IngestionApi.FIELD_OUTCOME))
                                .isEqualTo(IngestionApi.ACCEPTED);
                        assertThat(all.<List<IngestionBatchCodec.Outcome>>resultAt(1))
                                .containsOnly(IngestionBatchCodec.Outcome.ACCEPTED).hasSize(3);
                    });
                    return drainQueue();
                })
                .onComplete(ctx.succeeding(messages -> ctx.verify(() -> {
                    assertThat(messages).hasSize(1);
                    assertThat(decodeAll(messages)).extracting(MeterReading::seq).containsExactly(1L, 2L, 3L, 4L);
                    ctx.completeNow();
                })));
    }

    @Test
    void malformedBatchRequestFailsAsAContractViolationAndPublishesNothing(VertxTestContext ctx) {
        deploy(IngestionOptions.DEFAULTS)
                // WHEN a batch request's framing is broken (a count of 3, then nothing)
                .compose(v -> vertx.eventBus().request(IngestionApi.BATCH_ADDRESS,
                        Buffer.buffer(new byte[]{IngestionBatchCodec.VERSION, 3})))
                .transform(ar -> {
                    // THEN it fails with 400 (the gateway reports it as INTERNAL: a bug, not an outcome)
                    ctx.verify(() -> {
                        assertThat(ar.failed()).isTrue();
                        assertThat(((ReplyException) ar.cause()).failureCode())
                                .isEqualTo(IngestionApi.FAILURE_MALFORMED);
                    });
                    return delay(100).compose(v -> admin.messageCount(topology.queue()));
                })
                .onComplete(ctx.succeeding(count -> ctx.verify(() -> {
                    assertThat(count).isZero();
                    ctx.completeNow();
                })));
    }

    // ---------------------------------------------------------------------------------------------------------
    // helpers

    private static IngestionOptions options(JsonObject overrides) {
        return IngestionOptions.fromJson(IngestionOptions.DEFAULTS.toJson().mergeIn(overrides));
    }

    private Future<Void> deploy(IngestionOptions options) {
        verticle = new IngestionVerticle(options, settings, registry, Clock.systemUTC());
        return vertx.deployVerticle(verticle)
                .map(id -> {
                    deploymentId = id;
                    return null;
                });
    }

    private static Reading reading(String deviceId, Instant timestamp, double kwh, long seq, int interval) {
        Reading.Builder builder = Reading.newBuilder()
                .setDeviceId(deviceId).setUsageKwh(kwh).setSeq(seq).setIntervalSeconds(interval);
        if (timestamp != null) {
            builder.setTimestamp(Timestamp.newBuilder()
                    .setSeconds(timestamp.getEpochSecond()).setNanos(timestamp.getNano()));
        }
        return builder.build();
    }

    private MeterReading expected(Reading r) {
        Instant ts = Instant.ofEpochSecond(r.getTimestamp().getSeconds(), r.getTimestamp().getNanos());
        return new MeterReading(r.getDeviceId(), ts, Math.round(r.getUsageKwh() * 1_000_000), r.getSeq(),
                r.getIntervalSeconds() == 0 ? 900 : r.getIntervalSeconds());
    }

    private Future<Message<Object>> send(Reading reading) {
        return send(reading, reading.getDeviceId());
    }

    private Future<Message<Object>> send(Reading reading, String device) {
        return request(Buffer.buffer(reading.toByteArray()), device);
    }

    private Future<Message<Object>> request(Buffer body, String device) {
        DeliveryOptions options = new DeliveryOptions().setSendTimeout(20_000)
                .addHeader(IngestionApi.HEADER_DEVICE, device);
        return vertx.eventBus().request(IngestionApi.ADDRESS, body, options);
    }

    private Future<List<IngestionBatchCodec.Outcome>> sendBatch(List<String> devices, List<Reading> readings) {
        return vertx.eventBus().<Buffer>request(IngestionApi.BATCH_ADDRESS,
                        IngestionBatchCodec.encodeRequest(devices, readings), new DeliveryOptions().setSendTimeout(20_000))
                .map(reply -> IngestionBatchCodec.decodeReply(reply.body(), readings.size()));
    }

    private JsonObject body(Message<Object> message) {
        return (JsonObject) message.body();
    }

    /** Resends until ACCEPTED: readings may fail with 503 while the verticle reconnects. */
    private Future<Void> sendUntilAccepted(Reading reading, long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        Promise<Void> done = Promise.promise();
        Runnable[] attempt = new Runnable[1];
        attempt[0] = () -> send(reading).onComplete(ar -> {
            if (ar.succeeded() && IngestionApi.ACCEPTED.equals(body(ar.result()).getString(IngestionApi.FIELD_OUTCOME))) {
                done.complete();
            } else if (ar.failed() && ar.cause() instanceof ReplyException e
                    && e.failureCode() == IngestionApi.FAILURE_UNAVAILABLE && System.currentTimeMillis() < deadline) {
                vertx.setTimer(200, id -> attempt[0].run());
            } else {
                done.fail(ar.failed() ? ar.cause() : new AssertionError("unexpected reply " + ar.result().body()));
            }
        });
        attempt[0].run();
        return done.future();
    }

    private Future<List<RabbitMQMessage>> drainQueue() {
        return drainInto(new ArrayList<>());
    }

    private Future<List<RabbitMQMessage>> drainInto(List<RabbitMQMessage> messages) {
        return admin.basicGet(topology.queue(), true).compose(message -> {
            if (message == null) {
                return Future.succeededFuture(messages);
            }
            messages.add(message);
            return drainInto(messages);
        });
    }

    private static List<MeterReading> decodeAll(List<RabbitMQMessage> messages) {
        List<MeterReading> readings = new ArrayList<>();
        messages.forEach(m -> readings.addAll(ReadingBatchCodec.decode(m.body())));
        return readings;
    }

    private double counter(String name) {
        return registry.get(name).counter().count();
    }

    private Future<Void> delay(long ms) {
        Promise<Void> promise = Promise.promise();
        vertx.setTimer(ms, id -> promise.complete());
        return promise.future();
    }

    private Future<Void> waitUntil(Supplier<Boolean> condition, long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        Promise<Void> promise = Promise.promise();
        long[] timer = new long[1];
        timer[0] = vertx.setPeriodic(50, id -> {
            if (condition.get()) {
                vertx.cancelTimer(timer[0]);
                promise.complete();
            } else if (System.currentTimeMillis() > deadline) {
                vertx.cancelTimer(timer[0]);
                promise.fail(new AssertionError("condition not met within " + timeoutMs + " ms"));
            }
        });
        return promise.future();
    }

    // ---------------------------------------------------------------------------------------------------------
    // broker control through rabbitmqctl, always off the event loop

    private Future<Void> raiseAlarm() {
        ALARM_RAISED.set(true);
        return rabbitmqctl("set_vm_memory_high_watermark", "0")
                .compose(out -> waitForAlarm(true));
    }

    private Future<Void> clearAlarm() {
        return rabbitmqctl("set_vm_memory_high_watermark", NORMAL_WATERMARK)
                .map(out -> {
                    ALARM_RAISED.set(false);
                    return null;
                });
    }

    private Future<Void> waitForAlarm(boolean raised) {
        return rabbitmqctl("eval", "rabbit_alarm:get_alarms().")
                .compose(out -> out.contains("memory") == raised
                        ? Future.<Void>succeededFuture()
                        : delay(100).compose(v -> waitForAlarm(raised)));
    }

    /** Closes only this test's ingestion connection, found by the connection name the verticle sets. */
    private Future<Void> closeOwnConnection() {
        String name = verticle.connectionName();
        return rabbitmqctl("list_connections", "--no-table-headers", "pid", "client_properties")
                .compose(out -> {
                    String line = out.lines().filter(l -> l.contains("\"" + name + "\"")).findFirst().orElse(null);
                    if (line == null) {
                        return Future.failedFuture("no broker connection named " + name + " in:\n" + out);
                    }
                    String pid = line.substring(0, line.indexOf('>') + 1).trim();
                    return rabbitmqctl("close_connection", pid, "ingestion test closes its own connection");
                })
                .mapEmpty();
    }

    private Future<String> rabbitmqctl(String... args) {
        return vertx.executeBlocking(() -> run(args), false);
    }

    private static String run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("rabbitmqctl", "-n", NODE, "-q"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("rabbitmqctl timed out: " + command);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IOException("rabbitmqctl failed (" + process.exitValue() + "): " + command + "\n" + output);
        }
        return output;
    }

    private static void clearAlarmNow() {
        if (ALARM_RAISED.get()) {
            try {
                run("set_vm_memory_high_watermark", NORMAL_WATERMARK);
                ALARM_RAISED.set(false);
            } catch (Exception e) {
                throw new IllegalStateException("could not clear the broker's memory alarm: run "
                        + "'rabbitmqctl -n " + NODE + " set_vm_memory_high_watermark " + NORMAL_WATERMARK + "'", e);
            }
        }
    }
}
