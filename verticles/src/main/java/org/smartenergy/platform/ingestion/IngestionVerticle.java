package org.smartenergy.platform.ingestion;

import com.google.protobuf.InvalidProtocolBufferException;
import com.rabbitmq.client.AMQP;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;
import io.vertx.rabbitmq.RabbitMQClient;
import io.vertx.rabbitmq.RabbitMQConfirmation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smartenergy.platform.domain.MeterReading;
import org.smartenergy.platform.domain.ReadingValidator;
import org.smartenergy.platform.domain.RejectReason;
import org.smartenergy.platform.domain.ValidationResult;
import org.smartenergy.platform.queue.QueueTopology;
import org.smartenergy.platform.queue.RabbitSettings;
import org.smartenergy.platform.queue.ReadingBatchCodec;
import org.smartenergy.proto.v1.Reading;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Validates readings received on {@link IngestionApi#BATCH_ADDRESS} (several per request) and
 * {@link IngestionApi#ADDRESS} (one per request) and publishes the valid ones, in batches, to the readings exchange
 * with publisher confirms.
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
 * connection-established callback, the delivery-tag handler) are moved onto it with {@code runOnContext}.
 *
 * <p>Delivery tags restart on every new channel, so each (re)connection opens a new <em>generation</em>: batches of
 * an earlier generation are failed and confirms that arrive for them are ignored, so a confirm can never be
 * credited to a batch it does not belong to.
 */
public class IngestionVerticle extends VerticleBase {

    private static final Logger log = LoggerFactory.getLogger(IngestionVerticle.class);

    /** How often the verticle looks at the connection state, to fail unconfirmed batches soon after a drop. */
    static final long CONNECTION_CHECK_INTERVAL_MS = 250;
    /** Confirms buffered by the client before our handler is attached; the handler drains them at once. */
    private static final int CONFIRM_QUEUE_SIZE = 100_000;
    private static final int PERSISTENT = 2;
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final IngestionOptions options;
    private final RabbitSettings rabbit;
    private final MeterRegistry metrics;
    private final Clock clock;

    private String connectionName;
    private ReadingValidator validator;
    private QueueTopology topology;
    private RabbitMQClient client;
    private MessageConsumer<Object> consumer;
    private MessageConsumer<Buffer> batchConsumer;

    private Counter receivedCounter;
    private Counter acceptedCounter;
    private Counter publishedCounter;
    private Counter confirmedCounter;
    private Counter overloadedCounter;
    private final Map<RejectReason, Counter> rejectedCounters = new EnumMap<>(RejectReason.class);
    /** Wall-clock time the first reading of the open batch was received (for receive-to-stored latency). */
    private long openSinceMs;
    private final Map<Cause, Counter> unconfirmedCounters = new EnumMap<>(Cause.class);
    private Timer confirmLatency;

    // state below is confined to the verticle's context
    private List<ReadingReply> openReplies = new ArrayList<>();
    private List<MeterReading> openReadings = new ArrayList<>();
    private long openTimerId = -1;
    /** Batches closed but not yet confirmed or failed, in publishing order. */
    private final Set<Batch> unconfirmed = new LinkedHashSet<>();
    /** Published batches of the current generation, by delivery tag. */
    private final TreeMap<Long, Batch> awaitingConfirm = new TreeMap<>();
    /** Readings in the open batch plus readings in {@link #unconfirmed} batches. */
    private int pendingReadings;
    /**
     * Readings of batches already answered (timed out) whose publish call has not returned yet: while the broker
     * blocks publishers the client's publish tasks queue up holding their message bodies, so they count against
     * {@link IngestionOptions#maxPendingReadings()} until they return.
     */
    private int stalledPublishReadings;
    /** Incremented whenever the channel changes; confirms of another generation are ignored. */
    private long generation;
    /** Highest delivery tag seen in the current generation: a lower one means the channel was replaced. */
    private long lastDeliveryTag;
    /** True while the channel is in confirm mode and our confirm listener is attached to it. */
    private boolean ready;
    private boolean stopping;
    private Promise<Void> drained;
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
        registerMeters();

        client = rabbit.newClient(vertx, connectionName());
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
                    connectionCheckTimerId = vertx.setPeriodic(CONNECTION_CHECK_INTERVAL_MS, id -> checkConnection());
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
        flush();
        drained = Promise.promise();
        if (unconfirmed.isEmpty()) {
            drained.tryComplete();
        }
        Future<Void> closed = drained.future()
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
        long gen = newGeneration("connection to the broker was (re-)established before the batch was confirmed");
        log.info("connected to the broker [connection: {}, generation: {}]", connectionName(), gen);
        return setUpChannel(gen);
    }

    private Future<Void> setUpChannel(long gen) {
        return topology.declare(client)
                .compose(v -> attachConfirmListener(gen))
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
                        if (!stopping && gen == generation && !ready && client.isConnected()) {
                            setUpChannel(gen);
                        }
                    });
                });
    }

    /** Starts a new generation: every batch still waiting for a confirm is failed, its confirm can't come. */
    private long newGeneration(String reason) {
        generation++;
        lastDeliveryTag = 0;
        ready = false;
        failAllUnconfirmed(Cause.CONNECTION, reason);
        return generation;
    }

    private Future<Void> attachConfirmListener(long gen) {
        return client.confirmSelect()
                .compose(v -> client.addConfirmListener(CONFIRM_QUEUE_SIZE))
                .map(stream -> {
                    listen(stream, gen);
                    if (gen == generation) {
                        ready = true;
                    }
                    return null;
                });
    }

    private void listen(ReadStream<RabbitMQConfirmation> confirms, long gen) {
        confirms.exceptionHandler(e -> log.warn("confirm stream failed [generation: {}]", gen, e));
        confirms.handler(confirmation -> context.runOnContext(v -> onConfirm(gen, confirmation)));
    }

    private void checkConnection() {
        if (ready && !client.isConnected()) {
            log.warn("connection to the broker lost [connection: {}]; failing unconfirmed batches",
                    connectionName());
            ready = false;
            failAllUnconfirmed(Cause.CONNECTION, "connection to the broker was lost before the batch was confirmed");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // requests

    /** A single-reading request ({@link IngestionApi#ADDRESS}): the reply is the JSON of the old contract. */
    private void handleRequest(Message<Object> message) {
        receivedCounter.increment();
        ingest(parse(message.body()), message.headers().get(IngestionApi.HEADER_DEVICE), new SingleReply(message));
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
        receivedCounter.increment(entries.size());
        BatchRequest request = new BatchRequest(message, entries.size());
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
            enqueue(reply, ((ValidationResult.Valid) result).reading());
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
        rejectedCounters.get(reason).increment();
        if (log.isDebugEnabled()) {
            log.debug("rejected reading [deviceId: {}, seq: {}, reason: {}]: {}",
                    reading == null ? null : reading.getDeviceId(), reading == null ? null : reading.getSeq(),
                    reason.tag(), text);
        }
        reply.rejected(reason, text);
    }

    private void enqueue(ReadingReply reply, MeterReading reading) {
        if (stopping) {
            failReadings(List.of(reply), Cause.CONNECTION, "ingestion is shutting down");
            return;
        }
        if (!ready) {
            failReadings(List.of(reply), Cause.CONNECTION, "broker unavailable: not connected");
            return;
        }
        if (pendingReadings + stalledPublishReadings >= options.maxPendingReadings()) {
            overloadedCounter.increment();
            reply.overloaded("too many readings waiting for broker confirms (" + pendingReadings + "); retry later");
            return;
        }
        if (openReadings.isEmpty()) {
            openSinceMs = System.currentTimeMillis();
        }
        openReplies.add(reply);
        openReadings.add(reading);
        pendingReadings++;
        if (openReadings.size() >= options.batchMaxReadings()) {
            flush();
        } else if (openTimerId == -1) {
            openTimerId = vertx.setTimer(options.batchMaxDelayMs(), id -> {
                openTimerId = -1;
                flush();
            });
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // batches

    /** Closes the open batch and hands it to the broker. */
    private void flush() {
        if (openTimerId != -1) {
            vertx.cancelTimer(openTimerId);
            openTimerId = -1;
        }
        if (openReadings.isEmpty()) {
            return;
        }
        Batch batch = new Batch(UUID.randomUUID().toString(), openReplies, openReadings, generation);
        openReplies = new ArrayList<>();
        openReadings = new ArrayList<>();
        unconfirmed.add(batch);
        batch.timerId = vertx.setTimer(options.confirmTimeoutMs(), id -> {
            batch.timerId = -1;
            fail(batch, Cause.TIMEOUT, "broker did not confirm within " + options.confirmTimeoutMs() + " ms");
        });
        if (!ready || !client.isConnected()) {
            fail(batch, Cause.CONNECTION, "broker unavailable: not connected");
            return;
        }
        AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder()
                .contentType(ReadingBatchCodec.CONTENT_TYPE)
                .deliveryMode(PERSISTENT)
                .messageId(batch.id)
                .headers(Map.of(ReadingBatchCodec.HEADER_RECEIVED_AT, openSinceMs))
                .build();
        Buffer body = ReadingBatchCodec.encode(batch.readings);
        batch.publishedAtNanos = System.nanoTime();
        batch.publishing = true;
        Future<Void> published;
        try {
            // the tag handler runs on a worker thread just before the frame is written; registering via our
            // context's queue guarantees the batch is known before its confirm can be handled
            published = client.basicPublishWithDeliveryTag(topology.exchange(), topology.routingKey(), properties,
                    body, tag -> context.runOnContext(v -> onDeliveryTag(batch, tag)));
        } catch (RuntimeException e) {
            // the client throws instead of failing the future when the connection is already closed
            published = Future.failedFuture(e);
        }
        published.onComplete(ar -> {
            batch.publishing = false;
            if (batch.done) {
                stalledPublishReadings -= batch.size();
            }
            if (ar.succeeded()) {
                publishedCounter.increment(batch.size());
            } else {
                fail(batch, Cause.CONNECTION, "publishing to the broker failed: " + ar.cause().getMessage());
            }
        });
        if (log.isDebugEnabled()) {
            log.debug("publishing batch [id: {}, readings: {}, generation: {}]", batch.id, batch.size(),
                    batch.generation);
        }
    }

    private void onDeliveryTag(Batch batch, long tag) {
        if (batch.done) {
            return; // timed out or failed meanwhile; a late confirm for it is ignored
        }
        if (batch.generation != generation || !ready) {
            fail(batch, Cause.CONNECTION, "connection to the broker changed while publishing");
            return;
        }
        if (tag <= lastDeliveryTag) {
            // tags only grow on a channel (0: not in confirm mode): the client replaced the channel after a channel
            // error, and our confirm listener is not on the new one
            log.warn("broker channel was replaced [connection: {}, tag: {}, last tag: {}]; re-attaching confirms",
                    connectionName(), tag, lastDeliveryTag);
            fail(batch, Cause.CONNECTION, "broker channel was replaced while publishing");
            long gen = newGeneration("broker channel was replaced before the batch was confirmed");
            attachConfirmListener(gen).onFailure(e -> log.warn(
                    "re-attaching the confirm listener failed [connection: {}]: {}", connectionName(), e.getMessage()));
            return;
        }
        lastDeliveryTag = tag;
        batch.deliveryTag = tag;
        awaitingConfirm.put(tag, batch);
    }

    private void onConfirm(long gen, RabbitMQConfirmation confirmation) {
        if (gen != generation) {
            return; // a confirm from an earlier channel: its batches were already failed
        }
        long tag = confirmation.getDeliveryTag();
        List<Batch> confirmedBatches;
        if (confirmation.isMultiple()) {
            confirmedBatches = new ArrayList<>(awaitingConfirm.headMap(tag, true).values());
        } else {
            Batch batch = awaitingConfirm.get(tag);
            confirmedBatches = batch == null ? List.of() : List.of(batch);
        }
        for (Batch batch : confirmedBatches) {
            if (confirmation.isSucceeded()) {
                complete(batch);
            } else {
                fail(batch, Cause.NACK, "broker refused the batch");
            }
        }
    }

    private void complete(Batch batch) {
        if (!finish(batch)) {
            return;
        }
        confirmLatency.record(System.nanoTime() - batch.publishedAtNanos, TimeUnit.NANOSECONDS);
        confirmedCounter.increment(batch.size());
        acceptedCounter.increment(batch.size());
        for (ReadingReply reply : batch.replies) {
            reply.accepted();
        }
        if (log.isDebugEnabled()) {
            log.debug("batch confirmed [id: {}, readings: {}, tag: {}]", batch.id, batch.size(), batch.deliveryTag);
        }
    }

    private void fail(Batch batch, Cause cause, String reason) {
        if (!finish(batch)) {
            return;
        }
        if (cause == Cause.CONNECTION) {
            log.debug("batch not confirmed [id: {}, readings: {}, cause: {}]: {}", batch.id, batch.size(),
                    cause.tag, reason);
        } else {
            log.warn("batch not confirmed [id: {}, readings: {}, cause: {}]: {}", batch.id, batch.size(),
                    cause.tag, reason);
        }
        failReadings(batch.replies, cause, reason);
    }

    private void failReadings(List<ReadingReply> replies, Cause cause, String reason) {
        unconfirmedCounters.get(cause).increment(replies.size());
        for (ReadingReply reply : replies) {
            reply.unavailable(reason);
        }
    }

    /** @return false if the batch had already been answered */
    private boolean finish(Batch batch) {
        if (batch.done) {
            return false;
        }
        batch.done = true;
        if (batch.timerId != -1) {
            vertx.cancelTimer(batch.timerId);
            batch.timerId = -1;
        }
        unconfirmed.remove(batch);
        if (batch.deliveryTag > 0 && awaitingConfirm.get(batch.deliveryTag) == batch) {
            awaitingConfirm.remove(batch.deliveryTag);
        }
        pendingReadings -= batch.size();
        if (batch.publishing) {
            stalledPublishReadings += batch.size();
        }
        if (drained != null && unconfirmed.isEmpty()) {
            drained.tryComplete();
        }
        return true;
    }

    private void failAllUnconfirmed(Cause cause, String reason) {
        for (Batch batch : new ArrayList<>(unconfirmed)) {
            fail(batch, cause, reason);
        }
        awaitingConfirm.clear();
    }

    // ---------------------------------------------------------------------------------------------------------
    // metrics

    private void registerMeters() {
        receivedCounter = Counter.builder("energy.readings.received")
                .description("readings received from gateways").register(metrics);
        acceptedCounter = Counter.builder("energy.readings.accepted")
                .description("readings answered ACCEPTED (their batch was confirmed by the broker)").register(metrics);
        publishedCounter = Counter.builder("energy.readings.published")
                .description("readings in batches handed to the broker").register(metrics);
        confirmedCounter = Counter.builder("energy.readings.confirmed")
                .description("readings in batches the broker confirmed").register(metrics);
        overloadedCounter = Counter.builder("energy.readings.overloaded")
                .description("readings refused because too many were waiting for confirms").register(metrics);
        for (RejectReason reason : RejectReason.values()) {
            rejectedCounters.put(reason, Counter.builder("energy.readings.rejected")
                    .description("invalid readings, never published").tag("reason", reason.tag()).register(metrics));
        }
        for (Cause cause : Cause.values()) {
            unconfirmedCounters.put(cause, Counter.builder("energy.readings.unconfirmed")
                    .description("readings failed as unavailable because the broker did not confirm them")
                    .tag("cause", cause.tag).register(metrics));
        }
        confirmLatency = Timer.builder("energy.publish.confirm.latency")
                .description("time from publishing a batch to the broker's confirm")
                .publishPercentileHistogram()
                .register(metrics);
    }

    /** Why readings were failed with {@link IngestionApi#FAILURE_UNAVAILABLE}; the {@code cause} metric label. */
    private enum Cause {
        NACK("nack"), TIMEOUT("timeout"), CONNECTION("connection");

        private final String tag;

        Cause(String tag) {
            this.tag = tag;
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // replies

    /**
     * Where the final outcome of one reading goes; exactly one method is called, once, on the verticle's context.
     */
    private interface ReadingReply {
        void accepted();

        void rejected(RejectReason reason, String text);

        void unavailable(String reason);

        void overloaded(String reason);
    }

    /** The reply of a single-reading request: JSON, or a failed reply for transient failures. */
    private static final class SingleReply implements ReadingReply {
        private static final JsonObject ACCEPTED = new JsonObject()
                .put(IngestionApi.FIELD_OUTCOME, IngestionApi.ACCEPTED);

        private final Message<Object> message;

        SingleReply(Message<Object> message) {
            this.message = message;
        }

        @Override
        public void accepted() {
            message.reply(ACCEPTED);
        }

        @Override
        public void rejected(RejectReason reason, String text) {
            message.reply(new JsonObject()
                    .put(IngestionApi.FIELD_OUTCOME, IngestionApi.REJECTED)
                    .put(IngestionApi.FIELD_REASON, text)
                    .put(IngestionApi.FIELD_CODE, reason.tag()));
        }

        @Override
        public void unavailable(String reason) {
            message.fail(IngestionApi.FAILURE_UNAVAILABLE, reason);
        }

        @Override
        public void overloaded(String reason) {
            message.fail(IngestionApi.FAILURE_OVERLOADED, reason);
        }
    }

    /**
     * A batch request waiting for the outcomes of its readings; it replies once, when the last one is final (and
     * not before {@link #arm()}, so readings completed while the request is still being read cannot reply early).
     */
    private static final class BatchRequest {
        private final Message<Buffer> message;
        private final IngestionBatchCodec.Outcome[] outcomes;
        private int remaining;
        private boolean armed;

        BatchRequest(Message<Buffer> message, int size) {
            this.message = message;
            this.outcomes = new IngestionBatchCodec.Outcome[size];
            this.remaining = size;
        }

        ReadingReply slot(int index) {
            return new ReadingReply() {
                @Override
                public void accepted() {
                    complete(index, IngestionBatchCodec.Outcome.ACCEPTED);
                }

                @Override
                public void rejected(RejectReason reason, String text) {
                    complete(index, IngestionBatchCodec.Outcome.rejected(text, reason.tag()));
                }

                @Override
                public void unavailable(String reason) {
                    complete(index, IngestionBatchCodec.Outcome.unavailable(reason));
                }

                @Override
                public void overloaded(String reason) {
                    complete(index, IngestionBatchCodec.Outcome.overloaded(reason));
                }
            };
        }

        void arm() {
            armed = true;
            replyIfComplete();
        }

        private void complete(int index, IngestionBatchCodec.Outcome outcome) {
            if (outcomes[index] != null) {
                return; // a reading's outcome is final once given
            }
            outcomes[index] = outcome;
            remaining--;
            replyIfComplete();
        }

        private void replyIfComplete() {
            if (armed && remaining == 0) {
                message.reply(IngestionBatchCodec.encodeReply(Arrays.asList(outcomes)));
            }
        }
    }

    /** One AMQP message: the readings and where their outcomes go. */
    private static final class Batch {
        final String id;
        final List<ReadingReply> replies;
        final List<MeterReading> readings;
        final long generation;
        long timerId = -1;
        long deliveryTag;
        long publishedAtNanos;
        /** The client's publish call has not returned yet. */
        boolean publishing;
        boolean done;

        Batch(String id, List<ReadingReply> replies, List<MeterReading> readings, long generation) {
            this.id = id;
            this.replies = replies;
            this.readings = readings;
            this.generation = generation;
        }

        int size() {
            return readings.size();
        }
    }
}
