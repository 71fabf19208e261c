package org.smartenergy.platform.billing;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.rabbitmq.QueueOptions;
import io.vertx.rabbitmq.RabbitMQClient;
import io.vertx.rabbitmq.RabbitMQConsumer;
import io.vertx.rabbitmq.RabbitMQMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smartenergy.platform.billing.ReadingStore.StoreResult;
import org.smartenergy.platform.billing.bills.BillScheduler;
import org.smartenergy.platform.billing.bills.BillService;
import org.smartenergy.platform.domain.MeterReading;
import org.smartenergy.platform.queue.QueueTopology;
import org.smartenergy.platform.queue.RabbitSettings;
import org.smartenergy.platform.queue.ReadingBatchCodec;
import org.smartenergy.platform.queue.ReadingBatchCodec.MalformedBatchException;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Consumes reading batches from RabbitMQ, stores them idempotently and acks them only once they are durable.
 *
 * <p>Per delivery: decode (a body that is not a batch is rejected without requeue, i.e. dead-lettered, and never
 * blocks the queue) -> wait, with the deliveries that come in meanwhile, until they hold
 * {@code billing.storeBatchMaxReadings} readings or half the prefetch in deliveries, or for
 * {@code billing.storeBatchMaxDelayMs} -> {@link ReadingStore#store} of them all in one call (on failure retried with
 * exponential backoff while the deliveries are held: valid data is never dead-lettered) -> ack each on the channel
 * it came from -> update the {@link UsageCache} (not awaited by the acks). Storing several deliveries together lets
 * the store write an hour of a device once instead of once per delivery. The broker's prefetch bounds how many
 * deliveries are in flight.
 * Every {@link UsageCache#REPAIR_INTERVAL_MS} ms the cache repairs what failed updates left behind
 * ({@link UsageCache#repair()}).
 *
 * <p>At-least-once: if the connection drops between store and ack, the broker redelivers and the store counts the
 * readings as duplicates, so totals stay exact.
 *
 * <p>Bills (with a {@link BillService}): devices whose readings were stored are marked in a {@link BillScheduler},
 * which refreshes their cached current bill and closes due periods. The queue-depth gauges are {@link QueueGauges}'.
 */
public final class BillingVerticle extends VerticleBase {

    public static final String STORED_METRIC = "energy.readings.stored";
    /** Histogram of receive-to-stored latency. */
    public static final String RECEIVE_TO_STORED_METRIC = "energy.readings.receive.to.stored.latency";
    /** Gauge: ready messages in the readings queue. */
    public static final String BACKLOG_METRIC = "energy.queue.backlog.messages";
    /** Gauge: messages in the dead-letter queue. */
    public static final String DEAD_LETTERS_METRIC = "energy.queue.dead.letters.messages";
    public static final String DUPLICATES_METRIC = "energy.readings.duplicates";
    public static final String DEAD_LETTERED_METRIC = "energy.messages.deadlettered";
    public static final String STORE_LATENCY_METRIC = "energy.readings.store.latency";
    /** How long {@link #stop()} waits for in-flight stores and cache updates before closing the connection. */
    public static final long DRAIN_TIMEOUT_MS = 5_000;

    /** How often the current bills of devices with new readings are recomputed into the cache. */
    public static final long BILL_REFRESH_MS = BillScheduler.REFRESH_MS;
    /** Name of the cluster-wide lock held by the node closing periods. */
    public static final String CLOSE_LOCK = BillScheduler.CLOSE_LOCK;

    private static final Logger LOG = LoggerFactory.getLogger(BillingVerticle.class);

    private final BillingOptions options;
    private final RabbitSettings rabbit;
    private final ReadingStore store;
    private final UsageCache cache;
    private final MeterRegistry metrics;
    private final BillService bills;
    private BillScheduler scheduler;
    private QueueGauges queueGauges;
    private long repairTimer = -1;
    private final String connectionName = "billing-" + UUID.randomUUID();

    private RabbitMQClient client;
    private RabbitMQConsumer consumer;
    private Counter stored;
    private Counter duplicates;
    private Counter deadLettered;
    private Timer storeLatency;
    private Timer receiveToStored;
    private int inFlight;
    /** Decoded deliveries waiting to be stored together ({@link #storePending}). */
    private final List<Delivery> pending = new ArrayList<>();
    private int pendingReadings;
    private long pendingTimer = -1;
    private Promise<Void> drained;
    private volatile boolean stopping;

    /**
     * @param options the {@code billing} section
     * @param rabbit  broker address and topology (the {@code rabbitmq} section)
     * @param store   durable, idempotent reading storage
     * @param cache   the Redis usage cache
     * @param metrics registry for the billing meters
     */
    public BillingVerticle(BillingOptions options, RabbitSettings rabbit, ReadingStore store, UsageCache cache,
                           MeterRegistry metrics) {
        this(options, rabbit, store, cache, null, metrics);
    }

    /**
     * @param bills rates, caches and closes bills; null for a verticle that only stores readings (no bills)
     */
    public BillingVerticle(BillingOptions options, RabbitSettings rabbit, ReadingStore store, UsageCache cache,
                           BillService bills, MeterRegistry metrics) {
        this.options = options;
        this.rabbit = rabbit;
        this.store = store;
        this.cache = cache;
        this.bills = bills;
        this.metrics = metrics;
    }

    /** @return the AMQP connection name, as {@code rabbitmqctl list_connections name} shows it */
    public String connectionName() {
        return connectionName;
    }

    @Override
    public Future<?> start() {
        if (options == null || rabbit == null || store == null || cache == null || metrics == null) {
            return Future.failedFuture(new IllegalStateException(
                    "BillingVerticle needs options, rabbit settings, a reading store, a usage cache and metrics"));
        }
        stored = Counter.builder(STORED_METRIC).description("Readings newly stored").register(metrics);
        duplicates = Counter.builder(DUPLICATES_METRIC)
                .description("Readings received again (redelivery or resend) and not stored twice").register(metrics);
        deadLettered = Counter.builder(DEAD_LETTERED_METRIC)
                .description("Messages rejected to the dead-letter queue because they are not reading batches")
                .register(metrics);
        storeLatency = Timer.builder(STORE_LATENCY_METRIC)
                .description("Time to store one batch durably, retries included").register(metrics);
        receiveToStored = Timer.builder(RECEIVE_TO_STORED_METRIC)
                .description("From ingestion receiving a batch's first reading to the reading being stored")
                .publishPercentileHistogram()
                .register(metrics);
        queueGauges = new QueueGauges(vertx, rabbit.topology(), () -> client, metrics);
        queueGauges.start();
        // copies again what a failed cache update left behind, once Redis answers (a no-op while nothing waits)
        repairTimer = vertx.setPeriodic(UsageCache.REPAIR_INTERVAL_MS, id -> {
            if (!stopping && cache.repairPending()) {
                cache.repair();
            }
        });
        if (bills != null) {
            scheduler = new BillScheduler(vertx, bills, options.closeCheckIntervalMs());
            scheduler.start();
        }

        QueueTopology topology = rabbit.topology();
        Promise<Void> firstSetup = Promise.promise();
        client = rabbit.newClient(vertx, connectionName);
        // Runs on every (re)connection: a new channel has no prefetch limit and the broker may have lost the
        // declarations. vertx-rabbitmq-client 5.0.7 does not wait for this callback's promise before completing
        // start() or re-subscribing the consumer after a reconnect (tryConnect drops connect()'s future), so:
        // basicQos is issued first, synchronously inside the callback, which queues it on the client's ordered
        // channel executor ahead of the consumer's re-subscription; and start() waits for firstSetup itself.
        client.addConnectionEstablishedCallback(promise -> client.basicQos(options.prefetch())
                .compose(v -> topology.declare(client))
                .onSuccess(v -> LOG.info("billing connected, topology declared [connection: {}, queue: {}, prefetch: {}]",
                        connectionName, topology.queue(), options.prefetch()))
                .onFailure(e -> LOG.error("billing connection setup failed [connection: {}]: {}", connectionName,
                        e.toString()))
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        firstSetup.tryComplete();
                    } else {
                        firstSetup.tryFail(ar.cause());
                    }
                    promise.handle(ar);
                }));
        // the broker hands out at most `prefetch` unacked deliveries per subscription, so the client's internal
        // queue (which silently drops deliveries beyond its size) never fills; the margin covers deliveries of a
        // dead channel still being dispatched after a reconnect
        QueueOptions queueOptions = new QueueOptions()
                .setAutoAck(false)
                .setMaxInternalQueueSize(options.prefetch() * 2);
        return client.start()
                .compose(v -> firstSetup.future())
                .compose(v -> client.basicConsumer(topology.queue(), queueOptions))
                .onSuccess(c -> {
                    consumer = c;
                    // vertx-rabbitmq-client 5 re-subscribes this same consumer after a reconnect (its reconnect
                    // attempts are > 0), so the handler is set once
                    c.exceptionHandler(e -> LOG.warn("billing consumer error [queue: {}]: {}", topology.queue(),
                            e.toString()));
                    c.handler(this::handleDelivery);
                    LOG.info("billing consuming [queue: {}, connection: {}]", topology.queue(), connectionName);
                })
                .recover(e -> client.stop().transform(ar -> Future.failedFuture(e)));
    }

    /**
     * Records, for each newly stored reading of a group, the time since ingestion received its batch's first
     * reading. The store counts what was new for the group as a whole, so each delivery is given its share of that
     * count by size (exact whenever a group holds no duplicates, the usual case).
     */
    private void recordReceiveToStored(List<Delivery> group, int readings, int newlyStored) {
        int left = newlyStored;
        for (int i = 0; i < group.size() && left > 0; i++) {
            Delivery d = group.get(i);
            int share = i == group.size() - 1 ? left
                    : (int) Math.min(left, Math.round((double) newlyStored * d.readings().size() / readings));
            recordReceiveToStored(d.message(), share);
            left -= share;
        }
    }

    private void recordReceiveToStored(RabbitMQMessage message, int newlyStored) {
        Object receivedAt = message.properties() == null || message.properties().getHeaders() == null
                ? null : message.properties().getHeaders().get(ReadingBatchCodec.HEADER_RECEIVED_AT);
        if (receivedAt instanceof Number n && newlyStored > 0) {
            long millis = Math.max(0, System.currentTimeMillis() - n.longValue());
            for (int i = 0; i < newlyStored; i++) {
                receiveToStored.record(millis, TimeUnit.MILLISECONDS);
            }
        }
    }

    /**
     * Decodes a delivery and adds it to the group waiting to be stored; the group is stored once it holds
     * {@code billing.storeBatchMaxReadings} readings or half the prefetch in deliveries, or when its first delivery
     * has waited {@code billing.storeBatchMaxDelayMs}.
     */
    private void handleDelivery(RabbitMQMessage message) {
        long deliveryTag = message.envelope().getDeliveryTag();
        List<MeterReading> readings;
        try {
            readings = ReadingBatchCodec.decode(message.body());
        } catch (MalformedBatchException e) {
            deadLetter(message, e);
            return;
        }
        LOG.debug("batch received [deliveryTag: {}, readings: {}, redelivered: {}]", deliveryTag, readings.size(),
                message.envelope().isRedeliver());
        pending.add(new Delivery(message, readings));
        pendingReadings += readings.size();
        if (stopping || options.storeBatchMaxDelayMs() == 0 || pendingReadings >= options.storeBatchMaxReadings()
                || pending.size() >= Math.max(1, options.prefetch() / 2)) {
            storePending();
        } else if (pendingTimer == -1) {
            pendingTimer = vertx.setTimer(options.storeBatchMaxDelayMs(), id -> {
                pendingTimer = -1;
                storePending();
            });
        }
    }

    /**
     * Stores the waiting deliveries' readings in one call, then acks each delivery (on the channel it came from)
     * and updates the cache (not awaited by the acks). Nothing is acked before the whole group is stored; a failed
     * store is retried with the deliveries held, and a crash before the acks has the broker redeliver them all (the
     * store counts them as duplicates).
     */
    private void storePending() {
        if (pendingTimer != -1) {
            vertx.cancelTimer(pendingTimer);
            pendingTimer = -1;
        }
        if (pending.isEmpty()) {
            return;
        }
        List<Delivery> group = List.copyOf(pending);
        List<MeterReading> readings = new ArrayList<>(pendingReadings);
        group.forEach(d -> readings.addAll(d.readings()));
        pending.clear();
        pendingReadings = 0;
        long firstTag = group.get(0).message().envelope().getDeliveryTag();
        inFlight++;
        Timer.Sample sample = Timer.start(metrics);
        storeWithRetry(readings, firstTag, 0)
                .onSuccess(result -> {
                    sample.stop(storeLatency);
                    recordReceiveToStored(group, readings.size(), result.stored());
                    stored.increment(result.stored());
                    duplicates.increment(result.duplicates());
                    LOG.debug("batches stored [deliveries: {}, first deliveryTag: {}, stored: {}, duplicates: {}]",
                            group.size(), firstTag, result.stored(), result.duplicates());
                    if (scheduler != null) {
                        readings.forEach(r -> scheduler.markStored(r.deviceId()));
                    }
                })
                .compose(result -> {
                    List<Future<?>> settled = new ArrayList<>(group.size() + 1);
                    group.forEach(d -> settled.add(ack(d.message())));
                    settled.add(cache.update(readings));
                    return Future.join(settled);
                })
                .onComplete(ar -> {
                    inFlight--;
                    if (inFlight == 0 && drained != null) {
                        drained.tryComplete();
                    }
                });
    }

    /**
     * Stores until it succeeds, holding the delivery meanwhile (it stays unacked, so the broker neither redelivers
     * it elsewhere nor exceeds the prefetch). Gives up only when the verticle stops: the unacked delivery then
     * returns to the queue when the connection closes.
     */
    private Future<StoreResult> storeWithRetry(List<MeterReading> readings, long deliveryTag, int attempt) {
        return store.store(readings).recover(e -> {
            if (stopping) {
                return Future.failedFuture(e);
            }
            long backoff = backoffMs(attempt);
            LOG.warn("storing batch failed, retrying [deliveryTag: {}, attempt: {}, backoffMs: {}]: {}",
                    deliveryTag, attempt + 1, backoff, e.toString());
            return vertx.timer(backoff, TimeUnit.MILLISECONDS)
                    .compose(v -> storeWithRetry(readings, deliveryTag, attempt + 1));
        });
    }

    private long backoffMs(int attempt) {
        long initial = options.storeRetryInitialBackoffMs();
        long max = options.storeRetryMaxBackoffMs();
        long backoff = initial;
        for (int i = 0; i < attempt && backoff < max; i++) {
            backoff *= 2;
        }
        return Math.min(backoff, max);
    }

    private void deadLetter(RabbitMQMessage message, MalformedBatchException cause) {
        long deliveryTag = message.envelope().getDeliveryTag();
        LOG.warn("dead-lettering malformed message [deliveryTag: {}, bytes: {}]: {}", deliveryTag,
                message.body().length(), cause.getMessage());
        if (!fromCurrentChannel(message)) {
            return;
        }
        deadLettered.increment();
        client.basicNack(deliveryTag, false, false)
                .onFailure(e -> LOG.warn("nack failed, the message will be redelivered [deliveryTag: {}]: {}",
                        deliveryTag, e.toString()));
    }

    private Future<Void> ack(RabbitMQMessage message) {
        long deliveryTag = message.envelope().getDeliveryTag();
        if (!fromCurrentChannel(message)) {
            return Future.succeededFuture();
        }
        return client.basicAck(deliveryTag, false)
                .onFailure(e -> LOG.warn("ack failed, the broker will redeliver and the store will count duplicates "
                        + "[deliveryTag: {}]: {}", deliveryTag, e.toString()));
    }

    /**
     * Delivery tags are per channel: acking a tag of a channel that has since been replaced would ack an unrelated
     * message of the new channel, or close it. A delivery belongs to the current channel when it carries the
     * consumer tag the broker gave the current subscription (server-generated, unique per subscription).
     */
    private boolean fromCurrentChannel(RabbitMQMessage message) {
        boolean current = client.isOpenChannel() && consumer != null
                && Objects.equals(message.consumerTag(), consumer.consumerTag());
        if (!current) {
            LOG.debug("not settling a delivery of a closed channel, the broker redelivers it [deliveryTag: {}]",
                    message.envelope().getDeliveryTag());
        }
        return current;
    }

    @Override
    public Future<?> stop() {
        stopping = true;
        if (queueGauges != null) {
            queueGauges.stop();
        }
        if (scheduler != null) {
            scheduler.stop();
        }
        if (repairTimer != -1) {
            vertx.cancelTimer(repairTimer);
        }
        if (client == null) {
            return Future.succeededFuture();
        }
        Future<Void> cancelled = consumer == null ? Future.succeededFuture() : consumer.cancel()
                .recover(e -> {
                    LOG.debug("cancelling the consumer failed [connection: {}]: {}", connectionName, e.toString());
                    return Future.succeededFuture();
                });
        return cancelled
                .compose(v -> {
                    storePending();
                    return drain();
                })
                .eventually(() -> client.stop())
                .onComplete(ar -> LOG.info("billing stopped [connection: {}]", connectionName));
    }

    /** Completes when no delivery is being stored or acked, or after {@link #DRAIN_TIMEOUT_MS}. */
    private Future<Void> drain() {
        if (inFlight == 0) {
            return Future.succeededFuture();
        }
        drained = Promise.promise();
        return drained.future()
                .timeout(DRAIN_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .recover(e -> {
                    LOG.warn("stopping with deliveries in flight, the broker will redeliver them [inFlight: {}]",
                            inFlight);
                    return Future.succeededFuture();
                });
    }

    /** A decoded delivery. */
    private record Delivery(RabbitMQMessage message, List<MeterReading> readings) {
    }
}
