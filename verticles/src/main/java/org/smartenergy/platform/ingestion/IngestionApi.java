package org.smartenergy.platform.ingestion;

/**
 * The event-bus contract between gateways and ingestion (it crosses nodes on a clustered event bus).
 *
 * <p>Request: sent to {@link #ADDRESS}; the body is a {@code Buffer} holding the serialized
 * {@code energy.v1.Reading} exactly as the device sent it, and the header {@link #HEADER_DEVICE} names the device
 * the caller's token belongs to (the gateway has already checked that it equals the reading's device_id).
 *
 * <p>Reply, once the outcome is final: a JSON object {@code {"outcome":"ACCEPTED"}} after the broker confirmed the
 * batch holding the reading, or {@code {"outcome":"REJECTED","reason":"...","code":"usage_negative"}} for an invalid
 * reading (never published). Transient failures come back as a failed reply ({@code ReplyException} with
 * {@code RECIPIENT_FAILURE}) whose failure code is {@link #FAILURE_UNAVAILABLE} (broker nack, confirm timeout, broker
 * down) or {@link #FAILURE_OVERLOADED} (too many readings waiting for confirms). No handler or a reply timeout means
 * the same as {@link #FAILURE_UNAVAILABLE}.
 */
public final class IngestionApi {

    /** Address ingestion consumes readings on. */
    public static final String ADDRESS = "energy.ingestion.readings";
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

    private IngestionApi() {
    }
}
