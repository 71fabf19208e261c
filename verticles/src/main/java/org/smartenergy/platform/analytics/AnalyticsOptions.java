package org.smartenergy.platform.analytics;

import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.domain.ConfigKeys;

import java.util.Set;

/**
 * The {@code analytics} section of the configuration.
 *
 * @param refreshIntervalMs how often the day's analytics are recomputed from MongoDB; default 15000
 * @param topN              how many top consumers are kept in the Redis sorted set; default 10
 */
public record AnalyticsOptions(long refreshIntervalMs, int topN) {

    /** The config section holding these options. */
    public static final String SECTION = "analytics";
    /** Every key of the section; any other is refused. */
    public static final Set<String> KEYS = Set.of("refreshIntervalMs", "topN");

    /** Defaults, as in README's configuration table. */
    public static final AnalyticsOptions DEFAULTS = new AnalyticsOptions(15_000, 10);

    public AnalyticsOptions {
        if (refreshIntervalMs < 100) {
            throw new IllegalArgumentException("analytics.refreshIntervalMs must be >= 100, was " + refreshIntervalMs);
        }
        if (topN < 1 || topN > 1000) {
            throw new IllegalArgumentException("analytics.topN must be between 1 and 1000, was " + topN);
        }
    }

    /** Reads the section; absent keys take their defaults, unknown keys are refused. */
    public static AnalyticsOptions fromJson(JsonObject json) {
        JsonObject j = json == null ? new JsonObject() : json;
        ConfigKeys.requireKnown(SECTION, j.fieldNames(), KEYS);
        return new AnalyticsOptions(
                j.getLong("refreshIntervalMs", DEFAULTS.refreshIntervalMs),
                j.getInteger("topN", DEFAULTS.topN));
    }
}
