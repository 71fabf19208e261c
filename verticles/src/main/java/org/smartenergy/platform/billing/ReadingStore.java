package org.smartenergy.platform.billing;

import io.vertx.core.Future;
import org.smartenergy.platform.domain.MeterReading;
import org.smartenergy.platform.domain.UsageBucket;
import org.smartenergy.platform.domain.UsageStep;
import org.smartenergy.platform.gateway.UsageQueries;

import java.time.Instant;
import java.util.List;

/**
 * Durable, idempotent storage of readings and the usage totals derived from them (MongoDB in production). It
 * answers the gateway's usage queries ({@link UsageQueries}).
 */
public interface ReadingStore extends UsageQueries {

    /**
     * Stores readings; a reading whose (device id, timestamp) is already stored is left alone and counted as a
     * duplicate, also within the same call. Totals change exactly when a reading is newly stored. The returned
     * future succeeds only once every write is durable (as the configured write concern defines it).
     */
    Future<StoreResult> store(List<MeterReading> readings);

    /**
     * Usage of one device for the buckets whose start lies in {@code [from, to)}; buckets without readings are
     * left out.
     */
    @Override
    Future<List<UsageBucket>> usage(String deviceId, Instant from, Instant to, UsageStep step);

    /** Creates indexes; idempotent. */
    Future<Void> init();

    /**
     * What one {@link #store} call did.
     *
     * @param stored     readings newly stored
     * @param duplicates readings that were already stored (or repeated within the call)
     */
    record StoreResult(int stored, int duplicates) {
    }
}
