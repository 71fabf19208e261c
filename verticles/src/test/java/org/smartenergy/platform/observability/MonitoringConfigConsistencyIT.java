package org.smartenergy.platform.observability;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.smartenergy.platform.domain.RejectReason;
import org.smartenergy.platform.e2e.PlatformHarness;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every metric an alert rule or a dashboard panel queries is one the platform exports: a renamed metric would
 * otherwise leave an alert silently never firing and a panel silently empty. The names come from the shipped
 * {@code deploy/} files and from a real scrape of a running node, never from a list kept in this test.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class MonitoringConfigConsistencyIT {

    /** Series Prometheus makes itself for every target, not exported by the node. */
    private static final Set<String> PROMETHEUS_OWN = Set.of("up", "scrape_duration_seconds", "scrape_samples_scraped",
            "scrape_samples_post_metric_relabeling", "scrape_series_added");

    private static PlatformHarness platform;
    private static MetricsScrape scrape;

    @BeforeAll
    static void startNodeAndSendTraffic() throws Exception {
        platform = new PlatformHarness();
        new SampleTraffic(10, 2, 1).sendTo(platform);
        // Micrometer registers the JVM's GC pause timer at the first collection, as on any node that has run a while
        // (the dashboard's GC panel queries it): make sure one happened in this young JVM before scraping
        scrape = scrapeAfterAGarbageCollection();
    }

    @AfterAll
    static void stopNode() throws Exception {
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void everyMetricAnAlertRuleQueriesIsExported() throws Exception {
        assertAllExported(MonitoringFiles.alertExpressions());
    }

    @Test
    void everyMetricADashboardPanelQueriesIsExported() throws Exception {
        assertAllExported(MonitoringFiles.dashboardExpressions());
    }

    @Test
    void everyRejectReasonIsExportedBeforeAnyReadingIsRejectedForIt() {
        // the traffic was rejected only for usage_negative and timestamp_future: the others exist at 0 from start,
        // so rate() and the alert rules see them
        assertThat(scrape.labelValues("energy_readings_rejected_total", "reason"))
                .containsAll(Arrays.stream(RejectReason.values()).map(RejectReason::tag).toList());
    }

    private static MetricsScrape scrapeAfterAGarbageCollection() throws Exception {
        MetricsScrape taken = MetricsScrape.of(platform.node.metricsPort());
        for (int i = 0; i < 50 && !taken.sampleNames().contains("jvm_gc_pause_seconds_count"); i++) {
            System.gc();
            Thread.sleep(100);
            taken = MetricsScrape.of(platform.node.metricsPort());
        }
        return taken;
    }

    private static void assertAllExported(Map<String, String> expressions) {
        // GIVEN the shipped expressions (an empty or unparsed file must not pass as "nothing missing")
        assertThat(expressions).as("expressions found").isNotEmpty();
        Set<String> exported = scrape.sampleNames();
        Map<String, Set<String>> missing = new TreeMap<>();
        for (Map.Entry<String, String> e : expressions.entrySet()) {
            // WHEN the metric names of each expression are compared with the scrape
            Set<String> names = PromQl.metricNames(e.getValue());
            assertThat(names).as("metric names in %s: %s", e.getKey(), e.getValue()).isNotEmpty();
            for (String name : names) {
                if (!PROMETHEUS_OWN.contains(name) && !exported.contains(name)) {
                    missing.computeIfAbsent(e.getKey(), k -> new TreeSet<>()).add(name + hint(name, exported));
                }
            }
        }
        // THEN none is missing
        assertThat(missing).as("metrics queried but not in the node's /metrics (%d sample names exported)",
                exported.size()).isEmpty();
    }

    /** Explains the usual mistakes: a histogram queried without its suffix, or a suffix its meter does not have. */
    private static String hint(String name, Set<String> exported) {
        if (exported.contains(name + "_bucket")) {
            return " (a histogram: query " + name + "_bucket, _count or _sum)";
        }
        for (String suffix : new String[] {"_bucket", "_count", "_sum", "_max", "_total"}) {
            if (name.endsWith(suffix)) {
                String base = name.substring(0, name.length() - suffix.length());
                Set<String> family = new TreeSet<>();
                for (String s : exported) {
                    if (s.equals(base) || s.startsWith(base + "_") && s.length() - base.length() <= 8) {
                        family.add(s);
                    }
                }
                if (!family.isEmpty()) {
                    return " (exported: " + family + ")";
                }
            }
        }
        return exported.contains(name + "_total") ? " (a counter: query " + name + "_total)" : "";
    }
}
