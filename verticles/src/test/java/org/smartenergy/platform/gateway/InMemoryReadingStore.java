package org.smartenergy.platform.gateway;

import io.vertx.core.Future;
import org.smartenergy.platform.billing.ReadingStore;
import org.smartenergy.platform.domain.MeterReading;
import org.smartenergy.platform.domain.UsageBucket;
import org.smartenergy.platform.domain.UsageStep;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A usage source for operator API tests: returns the buckets a test put in, filtered to {@code [from, to)}. */
final class InMemoryReadingStore implements ReadingStore {

    private final Map<String, List<UsageBucket>> buckets = new ConcurrentHashMap<>();
    volatile UsageStep lastStep;

    void put(String deviceId, List<UsageBucket> deviceBuckets) {
        buckets.put(deviceId, List.copyOf(deviceBuckets));
    }

    @Override
    public Future<StoreResult> store(List<MeterReading> readings) {
        return Future.failedFuture(new UnsupportedOperationException("the gateway never stores"));
    }

    @Override
    public Future<List<UsageBucket>> usage(String deviceId, Instant from, Instant to, UsageStep step) {
        lastStep = step;
        return Future.succeededFuture(buckets.getOrDefault(deviceId, List.of()).stream()
                .filter(b -> !b.start().isBefore(from) && b.start().isBefore(to))
                .toList());
    }

    @Override
    public Future<Void> init() {
        return Future.succeededFuture();
    }
}
