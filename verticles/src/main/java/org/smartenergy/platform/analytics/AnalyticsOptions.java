package org.smartenergy.platform.analytics;

import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.domain.ConfigKeys;

import java.util.Set;

/**
 * The {@code analytics} section of the configuration.
 *
 * @param refreshIntervalMs      how often the day's analytics are recomputed from MongoDB; default 15000
 * @param topN                   how many top consumers are kept in the Redis sorted set; default 10
 * @param silentAfterIntervals   a device is silent when its latest stored reading ended more than this many of its
 *                               own reading intervals ago (gauge {@code energy_devices_silent}); default 4
 * @param silenceCheckIntervalMs how often the silent devices are counted from MongoDB; default 60000
 */
public record AnalyticsOptions(long refreshIntervalMs, int topN, int silentAfterIntervals,
                               long silenceCheckIntervalMs) {

    /** The config section holding these options. */
    public static final String SECTION = "analytics";
    /** Every key of the section; any other is refused. */
    public static final Set<String> KEYS = Set.of("refreshIntervalMs", "topN", "silentAfterIntervals",
            "silenceCheckIntervalMs");

    /** Defaults, as in README's configuration table. */
    public static final AnalyticsOptions DEFAULTS = new AnalyticsOptions(15_000, 10, 4, 60_000);

    public AnalyticsOptions {
        if (refreshIntervalMs < 100) {
            throw new IllegalArgumentException("analytics.refreshIntervalMs must be >= 100, was " + refreshIntervalMs);
        }
        if (topN < 1 || topN > 1000) {
            throw new IllegalArgumentException("analytics.topN must be between 1 and 1000, was " + topN);
        }
        if (silentAfterIntervals < 1 || silentAfterIntervals > 1000) {
            throw new IllegalArgumentException("analytics.silentAfterIntervals must be between 1 and 1000, was "
                    + silentAfterIntervals);
        }
        if (silenceCheckIntervalMs < 100) {
            throw new IllegalArgumentException("analytics.silenceCheckIntervalMs must be >= 100, was "
                    + silenceCheckIntervalMs);
        }
    }

    /** Reads the section; absent keys take their defaults, unknown keys are refused. */
    public static AnalyticsOptions fromJson(JsonObject json) {
        JsonObject j = json == null ? new JsonObject() : json;
        ConfigKeys.requireKnown(SECTION, j.fieldNames(), KEYS);
        return new AnalyticsOptions(
                j.getLong("refreshIntervalMs", DEFAULTS.refreshIntervalMs),
                j.getInteger("topN", DEFAULTS.topN),
                j.getInteger("silentAfterIntervals", DEFAULTS.silentAfterIntervals),
                j.getLong("silenceCheckIntervalMs", DEFAULTS.silenceCheckIntervalMs));
    }
}
