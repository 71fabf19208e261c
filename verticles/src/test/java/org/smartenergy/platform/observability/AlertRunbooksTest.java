package org.smartenergy.platform.observability;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every alert of {@code deploy/prometheus/alerts.yml} links a section of {@code deploy/runbooks.md} that says what it
 * means, what to check and what to do, and {@code alerts-test.yml} has, for every alert, a case where it fires and one
 * where it must not (promtool runs them: {@code .ci/check-deploy.sh}).
 */
class AlertRunbooksTest {

    private static final String RUNBOOKS = "deploy/runbooks.md";

    @Test
    void everyAlertLinksItsOwnRunbookSectionWithMeaningChecksAndActions() throws Exception {
        // GIVEN the runbook sections, by the anchor a "## Heading" gets (lower case, as GitHub renders it)
        Map<String, String> sections = sections(MonitoringFiles.repositoryRoot().resolve(RUNBOOKS));
        Map<String, String> alerts = runbookUrls();
        assertThat(alerts).as("alerts").isNotEmpty();
        Set<String> linked = new TreeSet<>();
        for (Map.Entry<String, String> alert : alerts.entrySet()) {
            // THEN each alert's runbook_url is that file and the anchor of the section named after the alert
            assertThat(alert.getValue()).as("runbook_url of %s", alert.getKey())
                    .isEqualTo(RUNBOOKS + "#" + alert.getKey().toLowerCase(Locale.ROOT));
            String anchor = alert.getValue().substring(alert.getValue().indexOf('#') + 1);
            assertThat(sections).as("section of %s in %s", alert.getKey(), RUNBOOKS).containsKey(anchor);
            assertThat(sections.get(anchor)).as("runbook of %s", alert.getKey())
                    .contains("**What it means.**", "**What to check.**", "**What to do.**");
            linked.add(anchor);
        }
        // AND no section is left for an alert that no longer exists
        assertThat(sections.keySet()).as("runbook sections without an alert").isEqualTo(linked);
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyAlertHasARuleTestWhereItFiresAndOneWhereItStaysQuiet() throws Exception {
        Map<String, int[]> cases = new TreeMap<>();
        runbookUrls().keySet().forEach(a -> cases.put(a, new int[2]));
        Map<String, Object> tests;
        try (Reader reader = Files.newBufferedReader(MonitoringFiles.alertRules().resolveSibling("alerts-test.yml"))) {
            tests = new Yaml().load(reader);
        }
        for (Map<String, Object> test : (List<Map<String, Object>>) tests.get("tests")) {
            for (Map<String, Object> check : (List<Map<String, Object>>) test.getOrDefault("alert_rule_test",
                    List.of())) {
                int[] counts = cases.get(String.valueOf(check.get("alertname")));
                assertThat(counts).as("alert %s tested in %s", check.get("alertname"), test.get("name")).isNotNull();
                List<Object> expected = (List<Object>) check.get("exp_alerts");
                counts[expected == null || expected.isEmpty() ? 1 : 0]++;
            }
        }
        List<String> missing = new ArrayList<>();
        cases.forEach((alert, counts) -> {
            if (counts[0] == 0) {
                missing.add(alert + ": no case where it fires");
            }
            if (counts[1] == 0) {
                missing.add(alert + ": no case where it stays quiet");
            }
        });
        assertThat(missing).isEmpty();
    }

    /** @return alert name -> its runbook_url annotation ("" when it has none) */
    @SuppressWarnings("unchecked")
    private static Map<String, String> runbookUrls() throws Exception {
        Map<String, String> urls = new LinkedHashMap<>();
        try (Reader reader = Files.newBufferedReader(MonitoringFiles.alertRules())) {
            Map<String, Object> root = new Yaml().load(reader);
            for (Map<String, Object> group : (List<Map<String, Object>>) root.get("groups")) {
                for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                    if (rule.containsKey("alert")) {
                        Map<String, Object> annotations = (Map<String, Object>) rule.getOrDefault("annotations",
                                Map.of());
                        urls.put(String.valueOf(rule.get("alert")),
                                String.valueOf(annotations.getOrDefault("runbook_url", "")));
                    }
                }
            }
        }
        return urls;
    }

    /** @return the "## " sections of a markdown file by anchor, each with its text up to the next one */
    private static Map<String, String> sections(Path file) throws Exception {
        Map<String, String> sections = new LinkedHashMap<>();
        String anchor = null;
        StringBuilder text = new StringBuilder();
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith("## ")) {
                if (anchor != null) {
                    sections.put(anchor, text.toString());
                }
                anchor = line.substring(3).trim().toLowerCase(Locale.ROOT).replace(' ', '-');
                text.setLength(0);
            } else if (anchor != null) {
                text.append(line).append('\n');
            }
        }
        if (anchor != null) {
            sections.put(anchor, text.toString());
        }
        return sections;
    }
}
