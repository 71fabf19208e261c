package org.smartenergy.platform.gateway;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.ingestion.IngestionApi;
import org.smartenergy.proto.v1.Reading;

import java.util.Objects;

/**
 * The gateway's side of the {@link IngestionApi} event-bus contract: forwards one reading and returns its final
 * outcome. Transient failures are passed on as the {@code ReplyException}s of the contract, for
 * {@link ErrorMapping} to classify.
 */
final class IngestionClient {

    /** The final outcome of one reading: accepted, or rejected with a reason. */
    record Outcome(boolean accepted, String reason) {
        static final Outcome ACCEPTED = new Outcome(true, "");
    }

    private final EventBus eventBus;
    private final long timeoutMs;

    IngestionClient(EventBus eventBus, long timeoutMs) {
        this.eventBus = Objects.requireNonNull(eventBus, "eventBus");
        this.timeoutMs = timeoutMs;
    }

    /** @param deviceId the authenticated device, already checked to equal the reading's device_id */
    Future<Outcome> forward(String deviceId, Reading reading) {
        DeliveryOptions options = new DeliveryOptions()
                .setSendTimeout(timeoutMs)
                .addHeader(IngestionApi.HEADER_DEVICE, deviceId);
        return eventBus.<Object>request(IngestionApi.ADDRESS, Buffer.buffer(reading.toByteArray()), options)
                .compose(reply -> outcome(reply.body()));
    }

    private static Future<Outcome> outcome(Object body) {
        if (body instanceof JsonObject json) {
            String outcome = json.getString(IngestionApi.FIELD_OUTCOME);
            if (IngestionApi.ACCEPTED.equals(outcome)) {
                return Future.succeededFuture(Outcome.ACCEPTED);
            }
            if (IngestionApi.REJECTED.equals(outcome)) {
                String reason = json.getString(IngestionApi.FIELD_REASON);
                return Future.succeededFuture(new Outcome(false,
                        reason == null || reason.isBlank() ? "reading rejected" : reason));
            }
        }
        // a contract violation: ErrorMapping reports it as INTERNAL and logs it
        return Future.failedFuture(new IllegalStateException("unexpected ingestion reply: " + body));
    }
}
