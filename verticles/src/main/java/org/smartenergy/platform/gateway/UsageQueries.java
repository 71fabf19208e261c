package org.smartenergy.platform.gateway;

import io.vertx.core.Future;
import org.smartenergy.platform.domain.UsageBucket;
import org.smartenergy.platform.domain.UsageStep;

import java.time.Instant;
import java.util.List;

/**
 * The gateway's port for usage queries ({@code GET /api/v1/devices/:id/usage}); implemented by billing's reading
 * store and wired by the node. A store that cannot be reached fails with
 * {@link org.smartenergy.platform.storage.StoreUnavailableException}.
 */
public interface UsageQueries {

    /** @return the device's usage in {@code [from, to)}, one bucket per step that has readings, oldest first */
    Future<List<UsageBucket>> usage(String deviceId, Instant from, Instant to, UsageStep step);
}
