package org.smartenergy.platform.billing;

import io.vertx.core.Future;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where the stored truth about daily and hourly totals is read from; the usage cache copies these values instead of
 * incrementing its own, so a redelivered batch can never inflate the cache.
 */
public interface UsageTotalsSource {

    /** @return the totals of those device days that have a bucket, in no particular order */
    Future<List<BucketTotals>> totals(Set<DeviceDay> days);

    /**
     * Lists the devices that have readings on a day: what the cache repair re-copies when it could not remember
     * every device day it failed to write (see {@link UsageCache#repair()}).
     *
     * @param day UTC day, yyyy-MM-dd
     * @return the device ids with a bucket on that day; a source that cannot list them fails
     */
    default Future<List<String>> devices(String day) {
        return Future.failedFuture(new UnsupportedOperationException("this totals source cannot list devices"));
    }

    /** One device on one UTC day (yyyy-MM-dd). */
    record DeviceDay(String deviceId, String day) {
    }

    /**
     * Totals of one device on one UTC day as stored.
     *
     * @param deviceId the device
     * @param day      the UTC day, yyyy-MM-dd
     * @param totalMwh sum of the day's readings
     * @param count    number of the day's readings
     * @param hoursMwh sum per UTC hour of day (0-23), only hours with readings
     */
    record BucketTotals(String deviceId, String day, long totalMwh, long count, Map<Integer, Long> hoursMwh) {
    }
}
