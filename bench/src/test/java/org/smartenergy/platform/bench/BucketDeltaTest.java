package org.smartenergy.platform.bench;

import org.junit.jupiter.api.Test;

import java.util.NavigableMap;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Specification of {@link BucketDelta}: percentiles of what a cumulative histogram recorded between two scrapes. */
class BucketDeltaTest {

    private static final double INF = Double.POSITIVE_INFINITY;

    private static NavigableMap<Double, Double> buckets(double... boundCountPairs) {
        NavigableMap<Double, Double> m = new TreeMap<>();
        for (int i = 0; i < boundCountPairs.length; i += 2) {
            m.put(boundCountPairs[i], boundCountPairs[i + 1]);
        }
        return m;
    }

    @Test
    void countsOnlyWhatWasRecordedBetweenTheScrapes() {
        // GIVEN 100 observations under 0.1 s before the scenario
        NavigableMap<Double, Double> before = buckets(0.1, 100, 1.0, 100, 2.0, 100, INF, 100);
        // WHEN the scenario adds 10 in (0.1, 1] and 10 in (1, 2]
        NavigableMap<Double, Double> after = buckets(0.1, 100, 1.0, 110, 2.0, 120, INF, 120);
        BucketDelta delta = BucketDelta.between(before, after);

        // THEN the old observations do not drag the percentiles down
        assertThat(delta.count()).isEqualTo(20);
        assertThat(delta.percentile(50)).isCloseTo(1.0, within(1e-9));
        assertThat(delta.percentile(25)).isCloseTo(0.55, within(1e-9));
        assertThat(delta.percentile(99)).isCloseTo(1.98, within(1e-9));
        assertThat(delta.maxBound()).isEqualTo(2.0);
    }

    @Test
    void interpolatesTheFirstBucketFromZero() {
        BucketDelta delta = BucketDelta.between(buckets(), buckets(0.4, 4, INF, 4));

        assertThat(delta.percentile(50)).isCloseTo(0.2, within(1e-9));
        assertThat(delta.maxBound()).isEqualTo(0.4);
    }

    @Test
    void aPercentileBeyondTheLastFiniteBoundIsOnlyABound() {
        BucketDelta delta = BucketDelta.between(buckets(1.0, 0, 30.0, 0, INF, 0),
                buckets(1.0, 50, 30.0, 90, INF, 100));

        assertThat(delta.percentile(50)).isCloseTo(1.0, within(1e-9));
        assertThat(delta.percentile(99)).isInfinite();
        assertThat(delta.maxBound()).isInfinite();
        assertThat(delta.lastFiniteBound()).isEqualTo(30.0);
    }

    @Test
    void nothingRecordedHasNoPercentiles() {
        NavigableMap<Double, Double> same = buckets(1.0, 5, INF, 5);
        BucketDelta delta = BucketDelta.between(same, same);

        assertThat(delta.count()).isZero();
        assertThat(delta.percentile(50)).isNaN();
        assertThat(delta.maxBound()).isNaN();
    }
}
