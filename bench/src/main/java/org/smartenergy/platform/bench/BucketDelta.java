package org.smartenergy.platform.bench;

import java.util.Map;
import java.util.NavigableMap;

/**
 * What a cumulative Prometheus histogram recorded between two scrapes: the difference of the bucket counts, with
 * percentiles interpolated linearly inside a bucket as PromQL's {@code histogram_quantile} does (the first bucket
 * starts at 0). A percentile that falls into the {@code +Inf} bucket is only known to exceed the last finite bound:
 * it is returned as {@link Double#POSITIVE_INFINITY} and {@link #lastFiniteBound()} says from where.
 *
 * @param upperBounds bucket upper bounds, ascending, the last one {@code +Inf}
 * @param cumulative  observations at or below each bound recorded between the scrapes
 */
record BucketDelta(double[] upperBounds, double[] cumulative) {

    /** @return the observations recorded from {@code before} to {@code after} (buckets missing before count as 0) */
    static BucketDelta between(NavigableMap<Double, Double> before, NavigableMap<Double, Double> after) {
        double[] bounds = new double[after.size()];
        double[] counts = new double[after.size()];
        int i = 0;
        for (Map.Entry<Double, Double> e : after.entrySet()) {
            bounds[i] = e.getKey();
            counts[i] = Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0.0));
            i++;
        }
        return new BucketDelta(bounds, counts);
    }

    /** @return observations recorded between the scrapes */
    double count() {
        return cumulative.length == 0 ? 0 : cumulative[cumulative.length - 1];
    }

    /** @return the largest finite upper bound, NaN without buckets */
    double lastFiniteBound() {
        for (int i = upperBounds.length - 1; i >= 0; i--) {
            if (!Double.isInfinite(upperBounds[i])) {
                return upperBounds[i];
            }
        }
        return Double.NaN;
    }

    /**
     * @param percentile 0 to 100
     * @return the interpolated value, NaN if nothing was recorded, {@code +Inf} if it lies beyond the last finite bound
     */
    double percentile(double percentile) {
        double total = count();
        if (total <= 0) {
            return Double.NaN;
        }
        double rank = percentile / 100 * total;
        double previousCount = 0;
        double lower = 0;
        for (int i = 0; i < upperBounds.length; i++) {
            if (cumulative[i] >= rank && cumulative[i] > previousCount) {
                if (Double.isInfinite(upperBounds[i])) {
                    return Double.POSITIVE_INFINITY;
                }
                return lower + (upperBounds[i] - lower) * (rank - previousCount) / (cumulative[i] - previousCount);
            }
            previousCount = cumulative[i];
            lower = upperBounds[i];
        }
        return Double.POSITIVE_INFINITY;
    }

    /**
     * @return the upper bound of the highest bucket that received an observation: the largest observation is at most
     * this (and above the bound before it); NaN if nothing was recorded, {@code +Inf} if it lies in the last bucket
     */
    double maxBound() {
        double previous = 0;
        double highest = Double.NaN;
        for (int i = 0; i < upperBounds.length; i++) {
            if (cumulative[i] > previous) {
                highest = upperBounds[i];
            }
            previous = cumulative[i];
        }
        return highest;
    }
}
