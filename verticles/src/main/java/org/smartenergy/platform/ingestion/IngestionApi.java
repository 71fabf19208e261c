package org.smartenergy.platform.ingestion;

/**
 * The event-bus contract between gateways and ingestion (it crosses nodes on a clustered event bus). Ingestion
 * serves two addresses; consumers on each are round-robined over every ingestion instance of the cluster.
 *
 * <h2>Batch: {@link #BATCH_ADDRESS} (what gateways send)</h2>
 * <p>Request: a {@code Buffer} holding several readings, each with the device the caller's token belongs to (a
 * gateway instance batches the readings of many streams and devices; it has already checked that each equals the
 * reading's device_id), in the binary format of {@link IngestionBatchCodec}: at most {@link #MAX_BATCH_READINGS}.
 *
 * <p>Reply, once every reading of the request is final: one outcome per reading, in request order
 * ({@link IngestionBatchCodec#encodeReply}): {@code ACCEPTED} after the broker confirmed the AMQP batch holding the
 * reading; {@code REJECTED(reason, code)} for an invalid reading (never published); {@code UNAVAILABLE(reason)}
 * when the broker did not confirm (nack, confirm timeout, broker down); {@code OVERLOADED(reason)} when ingestion
 * holds too many unconfirmed readings (a request whose valid readings exceed what is left of the budget gets
 * OVERLOADED for the excess). The readings of one request complete independently (they may land in different AMQP
 * batches), the reply waits for the last. A request whose framing is broken fails with
 * {@link #FAILURE_MALFORMED} (a bug in the sender). A failed request (no handler, reply timeout,
 * {@code ReplyException}) fails every reading in it exactly as it would fail a single reading below.
 *
 * <h2>Single reading: {@link #ADDRESS} (earlier gateways; kept for mixed-version clusters)</h2>
 * <p>Request: the body is a {@code Buffer} holding the serialized {@code energy.v1.Reading} exactly as the device
 * sent it, and the header {@link #HEADER_DEVICE} names the device the caller's token belongs to.
 *
 * <p>Reply, once the outcome is final: a JSON object {@code {"outcome":"ACCEPTED"}} after the broker confirmed the
 * batch holding the reading, or {@code {"outcome":"REJECTED","reason":"...","code":"usage_negative"}} for an invalid
 * reading (never published). Transient failures come back as a failed reply ({@code ReplyException} with
 * {@code RECIPIENT_FAILURE}) whose failure code is {@link #FAILURE_UNAVAILABLE} (broker nack, confirm timeout, broker
 * down) or {@link #FAILURE_OVERLOADED} (too many readings waiting for confirms). No handler or a reply timeout means
 * the same as {@link #FAILURE_UNAVAILABLE}.
 *
 * <p>A gateway whose batch request finds no handler (every ingestion of the cluster predates the batch address)
 * sends those readings to {@link #ADDRESS} one by one, so gateways can be upgraded before ingestion.
 */
public final class IngestionApi {

    /** Address ingestion consumes single readings on. */
    public static final String ADDRESS = "energy.ingestion.readings";
    /** Address ingestion consumes batches of readings on. */
    public static final String BATCH_ADDRESS = "energy.ingestion.readings.batch";
    /** Most readings one batch request may hold (a larger one fails with {@link #FAILURE_MALFORMED}). */
    public static final int MAX_BATCH_READINGS = 10_000;
    /** Header naming the authenticated device. */
    public static final String HEADER_DEVICE = "device-id";
    /** Reply field: ACCEPTED or REJECTED. */
    public static final String FIELD_OUTCOME = "outcome";
    /** Reply field: a person-readable reason for a rejection. */
    public static final String FIELD_REASON = "reason";
    /** Reply field: the machine-readable rejection reason ({@code RejectReason#tag()}). */
    public static final String FIELD_CODE = "code";
    /** Outcome value: durably queued. */
    public static final String ACCEPTED = "ACCEPTED";
    /** Outcome value: invalid, dropped. */
    public static final String REJECTED = "REJECTED";
    /** Failure code: the broker did not confirm; the reading was not accepted and may be resent. */
    public static final int FAILURE_UNAVAILABLE = 503;
    /** Failure code: ingestion holds too many unconfirmed readings; retry later. */
    public static final int FAILURE_OVERLOADED = 429;
    /** Failure code: the batch request does not follow {@link IngestionBatchCodec}'s format; a bug in the sender. */
    public static final int FAILURE_MALFORMED = 400;

    private IngestionApi() {
    }
}
