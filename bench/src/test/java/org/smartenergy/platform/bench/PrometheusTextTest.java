package org.smartenergy.platform.bench;

import org.junit.jupiter.api.Test;

import java.util.NavigableMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Specification of {@link PrometheusText}: the subset of the text exposition format the benchmark reads. */
class PrometheusTextTest {

    private static final String EXPOSITION = """
            # HELP energy_readings_stored_total Readings newly stored
            # TYPE energy_readings_stored_total counter
            energy_readings_stored_total 1234.0
            energy_grpc_calls_total{method="StreamReadings",status="OK",} 3.0
            energy_grpc_calls_total{method="SendReading",status="OK",} 4.0
            # TYPE energy_readings_receive_to_stored_latency_seconds histogram
            energy_readings_receive_to_stored_latency_seconds_bucket{le="0.001",} 0.0
            energy_readings_receive_to_stored_latency_seconds_bucket{le="0.5",} 7.0
            energy_readings_receive_to_stored_latency_seconds_bucket{le="+Inf",} 9.0
            energy_readings_receive_to_stored_latency_seconds_max 42.5
            odd{path="a \\"quoted\\" \\\\ value, with comma"} 1e3 1700000000000
            """;

    @Test
    void sumsEverySeriesOfANameOverItsLabelSets() {
        PrometheusText text = PrometheusText.parse(EXPOSITION);

        assertThat(text.sum("energy_readings_stored_total")).hasValue(1234.0);
        assertThat(text.sum("energy_grpc_calls_total")).hasValue(7.0);
        assertThat(text.sum("energy_readings_duplicates_total")).isEmpty();
        assertThat(text.max("energy_readings_receive_to_stored_latency_seconds_max")).hasValue(42.5);
    }

    @Test
    void readsHistogramBucketsByUpperBoundWithInfinityLast() {
        NavigableMap<Double, Double> buckets = PrometheusText.parse(EXPOSITION)
                .buckets("energy_readings_receive_to_stored_latency_seconds");

        assertThat(buckets.keySet()).containsExactly(0.001, 0.5, Double.POSITIVE_INFINITY);
        assertThat(buckets.values()).containsExactly(0.0, 7.0, 9.0);
    }

    @Test
    void unescapesLabelValuesAndIgnoresTimestamps() {
        PrometheusText.Sample odd = PrometheusText.parse(EXPOSITION).samples().stream()
                .filter(s -> s.name().equals("odd")).findFirst().orElseThrow();

        assertThat(odd.labels()).containsEntry("path", "a \"quoted\" \\ value, with comma");
        assertThat(odd.value()).isEqualTo(1000.0);
    }

    @Test
    void refusesALineThatIsNotASample() {
        assertThatThrownBy(() -> PrometheusText.parse("metric{le=\"1\" 3"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PrometheusText.parse("metric_without_value"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
