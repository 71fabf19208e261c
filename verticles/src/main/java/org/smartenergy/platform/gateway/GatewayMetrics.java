package org.smartenergy.platform.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.grpc.common.GrpcStatus;
import org.smartenergy.platform.domain.RejectReason;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's meters.
 * <ul>
 *   <li>{@code energy.grpc.calls} (counter, tags {@code method}, {@code status}): finished gRPC calls;</li>
 *   <li>{@code energy.gateway.stream.pauses} (counter): times a stream was paused for back-pressure;</li>
 *   <li>{@code energy.gateway.streams.paused} (gauge): streams paused right now;</li>
 *   <li>{@code energy.readings.rejected} (counter, tag {@code reason}): the same counter ingestion keeps, for the
 *   readings the gateway refuses itself (empty device id, missing or invalid timestamp) and never forwards.</li>
 * </ul>
 */
final class GatewayMetrics {

    static final String CALLS = "energy.grpc.calls";
    static final String PAUSES = "energy.gateway.stream.pauses";
    static final String PAUSED = "energy.gateway.streams.paused";
    static final String REJECTED = "energy.readings.rejected";

    private final MeterRegistry registry;
    private final Counter pauses;
    /**
     * Shared by all gateway instances of the JVM: Micrometer keeps the first gauge registered under a name, so a
     * per-instance counter would show only one event loop's streams.
     */
    private static final AtomicInteger PAUSED_NOW = new AtomicInteger();
    private final AtomicInteger paused = PAUSED_NOW;

    GatewayMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.pauses = Counter.builder(PAUSES).description("gRPC streams paused for back-pressure")
                .register(registry);
        // several gateway instances share one registry: register the gauge once (Micrometer warns on the second)
        if (registry.find(PAUSED).gauge() == null) {
            Gauge.builder(PAUSED, paused, AtomicInteger::get).description("gRPC streams paused now")
                    .register(registry);
        }
    }

    void callEnded(String method, GrpcStatus status) {
        Counter.builder(CALLS).description("finished gRPC calls")
                .tag("method", method).tag("status", status.name())
                .register(registry).increment();
    }

    void rejected(RejectReason reason) {
        Counter.builder(REJECTED).description("invalid readings, never published")
                .tag("reason", reason.tag()).register(registry).increment();
    }

    void streamPaused() {
        pauses.increment();
        paused.incrementAndGet();
    }

    void streamResumed() {
        paused.decrementAndGet();
    }
}
