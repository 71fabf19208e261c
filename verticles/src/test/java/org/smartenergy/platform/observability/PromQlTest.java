package org.smartenergy.platform.observability;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The metric-name extraction the monitoring-configuration tests rely on. */
class PromQlTest {

    @Test
    void findsMetricNamesAndSkipsFunctionsAggregationsAndLabelLists() {
        assertThat(PromQl.metricNames("histogram_quantile(0.99, sum by (instance, le) "
                + "(rate(energy_publish_confirm_latency_seconds_bucket[5m]))) > 1"))
                .containsExactly("energy_publish_confirm_latency_seconds_bucket");
    }

    @Test
    void skipsLabelMatchersStringsRangesAndGrafanaVariables() {
        assertThat(PromQl.metricNames("sum(rate(energy_readings_rejected_total{reason=~\"usage_.*\", job!='x'}[$__rate_interval]))"
                + " / ignoring(reason) group_left sum(rate(energy_readings_received_total[${__range}] offset 5m))"))
                .containsExactly("energy_readings_received_total", "energy_readings_rejected_total");
    }

    @Test
    void findsEveryOperandOfBinaryAndSetOperators() {
        assertThat(PromQl.metricNames("(sum(rate(a_total[5m])) - (sum(rate(b_total[5m])) or vector(0))) > 0 "
                + "and (sum(rate(c_total[5m])) or vector(0)) == 0 unless up == bool 1e3"))
                .containsExactly("a_total", "b_total", "c_total", "up");
    }

    @Test
    void findsAggregationsWithTrailingByClause() {
        assertThat(PromQl.metricNames("max(energy_queue_backlog_messages) by (queue)"))
                .containsExactly("energy_queue_backlog_messages");
    }
}
