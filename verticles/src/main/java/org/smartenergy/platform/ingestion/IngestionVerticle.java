package org.smartenergy.platform.ingestion;

import com.google.protobuf.InvalidProtocolBufferException;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.rabbitmq.RabbitMQClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smartenergy.platform.domain.ReadingValidator;
import org.smartenergy.platform.domain.RejectReason;
import org.smartenergy.platform.domain.ValidationResult;
import org.smartenergy.platform.queue.ConfirmingPublisher;
import org.smartenergy.platform.queue.QueueTopology;
import org.smartenergy.platform.queue.RabbitMQConfirmChannel;
import org.smartenergy.platform.queue.RabbitSettings;
import org.smartenergy.proto.v1.Reading;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Validates readings received on {@link IngestionApi#BATCH_ADDRESS} (several per request) and
 * {@link IngestionApi#ADDRESS} (one per request) and publishes the valid ones, in batches, to the readings exchange
 * with publisher confirms ({@link ConfirmingPublisher}).
 *
 * <p>A reading is answered {@link IngestionApi#ACCEPTED} only after the broker confirmed the batch that holds it.
 * A nack, a confirm that does not come within {@link IngestionOptions#confirmTimeoutMs()}, a failed publish or a
 * lost connection fail the reading with {@link IngestionApi#FAILURE_UNAVAILABLE}; the caller may resend it (storage
 * is idempotent). Readings waiting in a batch or for a confirm are bounded by
 * {@link IngestionOptions#maxPendingReadings()}; beyond it new readings fail with
 * {@link IngestionApi#FAILURE_OVERLOADED}. Every reading carries its own {@link ReadingReply}: the readings of one
 * batch request are validated, enqueued and completed one by one (they may end up in different AMQP batches), and
 * the request is answered once the last of them is final.
 *
 * <p>Several instances may run on one node (one per event loop): each has its own connection, channel, open batch,
 * confirm state and pending budget, and the event bus round-robins requests over their consumers. Only meters are
 * shared (registry meters are thread-safe).
 *
 * <p>All state is confined to this verticle's context: callbacks the RabbitMQ client runs on other threads (the
 * connection-established callback) are moved onto it with {@code runOnContext}.
 */
public class IngestionVerticle extends VerticleBase {

    private static final Logger log = LoggerFactory.getLogger(IngestionVerticle.class);

    /** How often the verticle looks at the connection state, to fail unconfirmed batches soon after a drop. */
    static final long CONNECTION_CHECK_INTERVAL_MS = 250;
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final IngestionOptions options;
    private final RabbitSettings rabbit;
    private final MeterRegistry metrics;
    private final Clock clock;

    private String connectionName;
    private ReadingValidator validator;
    private QueueTopology topology;
    private RabbitMQClient client;
    private ConfirmingPublisher publisher;
    private ReadingBatcher batcher;
    private IngestionMetrics meters;
    private MessageConsumer<Object> consumer;
    private MessageConsumer<Buffer> batchConsumer;

    // state below is confined to the verticle's context
    private boolean stopping;
    /** Completes when the first connection is fully set up (the client's start() does not wait for that). */
    private final Promise<Void> firstSetup = Promise.promise();
    private long connectionCheckTimerId = -1;

    /**
     * @param options ingestion options (batching, limits)
     * @param rabbit  broker settings; the verticle creates its own client from them in {@code start()}
     * @param metrics where counters and timers are registered
     * @param clock   "now" for timestamp validation
     */
    public IngestionVerticle(IngestionOptions options, RabbitSettings rabbit, MeterRegistry metrics, Clock clock) {
        this.options = options;
        this.rabbit = rabbit;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public Future<?> start() {
        if (options == null || rabbit == null || metrics == null || clock == null) {
            return Future.failedFuture(new IllegalStateException(
                    "ingestion options, rabbitmq settings, meter registry and clock must be set"));
        }
        // deployment ids are only unique within one Vert.x instance: add the host (container) and process
        String host = System.getenv().getOrDefault("HOSTNAME", "");
        connectionName = "ingestion-" + (host.isEmpty() ? "" : host + "-") + ProcessHandle.current().pid() + "-"
                + deploymentID() + "-" + INSTANCES.incrementAndGet();
        validator = new ReadingValidator(options.validationRules(), clock);
        topology = rabbit.topology();
        meters = new IngestionMetrics(metrics);

        client = rabbit.newClient(vertx, connectionName());
        publisher = new ConfirmingPublisher(context, new RabbitMQConfirmChannel(client), topology.exchange(),
                topology.routingKey(), options.confirmTimeoutMs(), connectionName());
        batcher = new ReadingBatcher(vertx, options, publisher, meters);
        // runs on a worker thread of the client, on every (re)connection: continue on our context
        client.addConnectionEstablishedCallback(promise -> context.runOnContext(v ->
                onConnectionEstablished().onComplete(ar -> promise.handle(ar))));

        // vertx-rabbitmq-client 5.0.7 completes start() as soon as the socket is open, without waiting for the
        // connection-established callbacks: wait for our own setup before taking requests
        return client.start()
                .compose(v -> firstSetup.future())
                .compose(v -> {
                    consumer = vertx.eventBus().consumer(IngestionApi.ADDRESS, this::handleRequest);
                    batchConsumer = vertx.eventBus().consumer(IngestionApi.BATCH_ADDRESS, this::handleBatchRequest);
                    return Future.all(consumer.completion(), batchConsumer.completion());
                })
                .onSuccess(v -> {
                    connectionCheckTimerId = vertx.setPeriodic(CONNECTION_CHECK_INTERVAL_MS,
                            id -> publisher.checkConnection());
                    log.info("ingestion started [connection: {}, exchange: {}, routingKey: {}, batchMaxReadings: {}, "
                                    + "batchMaxDelayMs: {}, confirmTimeoutMs: {}, maxPendingReadings: {}]",
                            connectionName(), topology.exchange(), topology.routingKey(), options.batchMaxReadings(),
                            options.batchMaxDelayMs(), options.confirmTimeoutMs(), options.maxPendingReadings());
                })
                .recover(e -> {
                    log.error("ingestion failed to start [connection: {}]", connectionName(), e);
                    // the client would otherwise go on reconnecting for a verticle that never started
                    stopping = true;
                    return client.stop().transform(ar -> Future.failedFuture(e));
                });
    }

    @Override
    public Future<?> stop() {
        stopping = true;
        if (connectionCheckTimerId != -1) {
            vertx.cancelTimer(connectionCheckTimerId);
        }
        Future<Void> unregistered = Future.all(
                consumer == null ? Future.succeededFuture() : consumer.unregister(),
                batchConsumer == null ? Future.succeededFuture() : batchConsumer.unregister()).mapEmpty();
        // readings already batched still get their chance: publish them and give confirms up to confirmTimeoutMs
        // (every batch has its own confirm timer, so draining ends by then)
        Future<Void> closed = (batcher == null ? Future.<Void>succeededFuture() : batcher.shutDown())
                .compose(v -> client == null ? Future.<Void>succeededFuture() : client.stop())
                .onComplete(ar -> log.info("ingestion stopped [connection: {}]", connectionName()));
        return Future.all(unregistered, closed);
    }

    // ---------------------------------------------------------------------------------------------------------
    // connection

    /** @return the connection name shown by the broker, e.g. in {@code rabbitmqctl list_connections} */
    String connectionName() {
        return connectionName;
    }

    /** Declares the topology and puts the new channel into confirm mode with our listener attached. */
    private Future<Void> onConnectionEstablished() {
        long gen = publisher.newGeneration(
                "connection to the broker was (re-)established before the batch was confirmed");
        log.info("connected to the broker [connection: {}, generation: {}]", connectionName(), gen);
        return setUpChannel(gen);
    }

    private Future<Void> setUpChannel(long gen) {
        return topology.declare(client)
                .compose(v -> publisher.enableConfirms(gen))
                .onSuccess(v -> firstSetup.tryComplete())
                .onFailure(e -> {
                    if (!firstSetup.future().isComplete()) {
                        log.error("setting up the broker connection failed [connection: {}]", connectionName(), e);
                        firstSetup.tryFail(e);
                        return;
                    }
                    // the client ignores a failed callback and stays connected: retry ourselves, else we'd stay
                    // unready on a healthy connection
                    log.warn("setting up the broker connection failed [connection: {}], retrying in {} ms: {}",
                            connectionName(), rabbit.reconnectIntervalMs(), e.getMessage());
                    vertx.setTimer(rabbit.reconnectIntervalMs(), id -> {
                        if (!stopping && gen == publisher.generation() && !publisher.isReady()
                                && client.isConnected()) {
                            setUpChannel(gen);
                        }
                    });
                });
    }

    // ---------------------------------------------------------------------------------------------------------
    // requests

    /** A single-reading request ({@link IngestionApi#ADDRESS}): the reply is the JSON of the old contract. */
    private void handleRequest(Message<Object> message) {
        meters.received.increment();
        ingest(parse(message.body()), message.headers().get(IngestionApi.HEADER_DEVICE), new ReadingReply.Single(message));
    }

    /** A batch request ({@link IngestionApi#BATCH_ADDRESS}): one outcome per reading, replied when all are final. */
    private void handleBatchRequest(Message<Buffer> message) {
        List<IngestionBatchCodec.Entry> entries;
        try {
            entries = IngestionBatchCodec.decodeRequest(message.body(), IngestionApi.MAX_BATCH_READINGS);
        } catch (IngestionBatchCodec.MalformedException | ClassCastException e) {
            log.warn("malformed batch request refused: {}", e.getMessage());
            message.fail(IngestionApi.FAILURE_MALFORMED, "malformed batch request: " + e.getMessage());
            return;
        }
        meters.received.increment(entries.size());
        ReadingReply.BatchRequest request = new ReadingReply.BatchRequest(message, entries.size());
        for (int i = 0; i < entries.size(); i++) {
            IngestionBatchCodec.Entry entry = entries.get(i);
            ingest(entry.reading(), entry.deviceId(), request.slot(i));
        }
        request.arm();
    }

    /**
     * Validates one reading and either rejects it or enqueues it into the open batch.
     *
     * @param reading       the parsed reading, null when its bytes were not a serialized {@code energy.v1.Reading}
     * @param authenticated the device the caller authenticated as (null: not said, single-reading requests only)
     */
    private void ingest(Reading reading, String authenticated, ReadingReply reply) {
        if (reading == null) {
            reject(reply, null, RejectReason.MALFORMED, "the body is not a serialized energy.v1.Reading");
            return;
        }
        if (authenticated != null && !authenticated.equals(reading.getDeviceId())) {
            reject(reply, reading, RejectReason.DEVICE_ID_INVALID,
                    "device_id does not name the device the caller authenticated as");
            return;
        }
        // the raw Timestamp fields go to the validator: converting first could throw or normalise nanos >= 1e9
        ValidationResult result = validator.validate(reading.getDeviceId(), reading.hasTimestamp(),
                reading.getTimestamp().getSeconds(), reading.getTimestamp().getNanos(), reading.getUsageKwh(),
                reading.getSeq(), Integer.toUnsignedLong(reading.getIntervalSeconds()));
        if (result instanceof ValidationResult.Invalid invalid) {
            reject(reply, reading, invalid.reason(), invalid.message());
        } else {
            batcher.enqueue(reply, ((ValidationResult.Valid) result).reading());
        }
    }

    private static Reading parse(Object body) {
        byte[] bytes;
        if (body instanceof Buffer buffer) {
            bytes = buffer.getBytes();
        } else if (body instanceof byte[] array) {
            bytes = array;
        } else {
            return null;
        }
        try {
            return Reading.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            return null;
        }
    }

    private void reject(ReadingReply reply, Reading reading, RejectReason reason, String text) {
        meters.rejected(reason).increment();
        if (log.isDebugEnabled()) {
            log.debug("rejected reading [deviceId: {}, seq: {}, reason: {}]: {}",
                    reading == null ? null : reading.getDeviceId(), reading == null ? null : reading.getSeq(),
                    reason.tag(), text);
        }
        reply.rejected(reason, text);
    }
}
