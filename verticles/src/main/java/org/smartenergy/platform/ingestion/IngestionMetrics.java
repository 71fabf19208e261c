package org.smartenergy.platform.ingestion;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.smartenergy.platform.domain.RejectReason;
import org.smartenergy.platform.queue.UnconfirmedException.Cause;

import java.util.EnumMap;
import java.util.Map;

/**
 * The meters of one ingestion instance. Instances on one node register into the same registry and so share the
 * meters (registry meters are thread-safe).
 */
final class IngestionMetrics {

    final Counter received;
    final Counter accepted;
    final Counter published;
    final Counter confirmed;
    final Counter overloaded;
    private final Map<RejectReason, Counter> rejected = new EnumMap<>(RejectReason.class);
    private final Map<Cause, Counter> unconfirmed = new EnumMap<>(Cause.class);
    final Timer confirmLatency;

    IngestionMetrics(MeterRegistry metrics) {
        received = Counter.builder("energy.readings.received")
                .description("readings received from gateways").register(metrics);
        accepted = Counter.builder("energy.readings.accepted")
                .description("readings answered ACCEPTED (their batch was confirmed by the broker)").register(metrics);
        published = Counter.builder("energy.readings.published")
                .description("readings in batches handed to the broker").register(metrics);
        confirmed = Counter.builder("energy.readings.confirmed")
                .description("readings in batches the broker confirmed").register(metrics);
        overloaded = Counter.builder("energy.readings.overloaded")
                .description("readings refused because too many were waiting for confirms").register(metrics);
        for (RejectReason reason : RejectReason.values()) {
            rejected.put(reason, Counter.builder("energy.readings.rejected")
                    .description("invalid readings, never published").tag("reason", reason.tag()).register(metrics));
        }
        for (Cause cause : Cause.values()) {
            unconfirmed.put(cause, Counter.builder("energy.readings.unconfirmed")
                    .description("readings failed as unavailable because the broker did not confirm them")
                    .tag("cause", cause.tag()).register(metrics));
        }
        confirmLatency = Timer.builder("energy.publish.confirm.latency")
                .description("time from publishing a batch to the broker's confirm")
                .publishPercentileHistogram()
                .register(metrics);
    }

    /** @return {@code energy.readings.rejected{reason}} */
    Counter rejected(RejectReason reason) {
        return rejected.get(reason);
    }

    /** @return {@code energy.readings.unconfirmed{cause}} */
    Counter unconfirmed(Cause cause) {
        return unconfirmed.get(cause);
    }
}
