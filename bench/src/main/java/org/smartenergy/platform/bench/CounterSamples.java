package org.smartenergy.platform.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * A non-decreasing counter sampled over time (here: readings stored since a scenario started, scraped from the
 * node), and when it crossed a level, interpolated linearly between the two samples around the crossing.
 * Thread-safe: one thread adds, another reads.
 */
final class CounterSamples {

    private final List<long[]> samples = new ArrayList<>();

    /** Records that the counter had {@code value} at {@code nanos} ({@link System#nanoTime()}). */
    synchronized void add(long nanos, long value) {
        samples.add(new long[]{nanos, value});
    }

    /** @return the latest value, 0 before the first sample */
    synchronized long latest() {
        return samples.isEmpty() ? 0 : samples.get(samples.size() - 1)[1];
    }

    /** @return nanos of the first sample at or above {@code level}, empty if none is */
    synchronized OptionalDouble firstSampleReaching(long level) {
        for (long[] s : samples) {
            if (s[1] >= level) {
                return OptionalDouble.of(s[0]);
            }
        }
        return OptionalDouble.empty();
    }

    /**
     * @return the interpolated time the counter reached {@code level}: between the last sample below it and the first
     * at or above it; the first sample's time if that already reaches it; empty if no sample reaches it
     */
    synchronized OptionalDouble crossing(long level) {
        for (int i = 0; i < samples.size(); i++) {
            long[] s = samples.get(i);
            if (s[1] >= level) {
                if (i == 0) {
                    return OptionalDouble.of(s[0]);
                }
                long[] p = samples.get(i - 1);
                double fraction = (double) (level - p[1]) / (s[1] - p[1]);
                return OptionalDouble.of(p[0] + fraction * (s[0] - p[0]));
            }
        }
        return OptionalDouble.empty();
    }
}
