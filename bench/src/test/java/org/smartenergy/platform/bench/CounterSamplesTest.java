package org.smartenergy.platform.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Specification of {@link CounterSamples}: when a sampled counter reached a level. */
class CounterSamplesTest {

    @Test
    void interpolatesBetweenTheSamplesAroundTheCrossing() {
        CounterSamples samples = new CounterSamples();
        samples.add(1_000, 0);
        samples.add(2_000, 100);
        samples.add(3_000, 300);

        assertThat(samples.crossing(200).getAsDouble()).isCloseTo(2_500, within(1e-9));
        assertThat(samples.crossing(100).getAsDouble()).isCloseTo(2_000, within(1e-9));
        assertThat(samples.firstSampleReaching(150)).hasValue(3_000);
        assertThat(samples.latest()).isEqualTo(300);
    }

    @Test
    void aLevelNotReachedHasNoCrossing() {
        CounterSamples samples = new CounterSamples();
        samples.add(1_000, 10);

        assertThat(samples.crossing(11)).isEmpty();
        assertThat(samples.firstSampleReaching(11)).isEmpty();
        assertThat(samples.crossing(5)).hasValue(1_000);
    }
}
