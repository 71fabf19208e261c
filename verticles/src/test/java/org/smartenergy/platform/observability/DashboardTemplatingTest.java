package org.smartenergy.platform.observability;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped Grafana dashboards work with any Prometheus datasource and any set of nodes: no fixed datasource uid
 * (a {@code datasource} variable instead), {@code role} and {@code instance} variables that every per-node panel
 * filters by, and panels for what on-call looks at: JVM, Vert.x event bus and pools, billing, gRPC outcomes.
 */
class DashboardTemplatingTest {

    @Test
    void noPanelNamesAFixedDatasourceAndTheVariablesExist() throws Exception {
        for (Path file : dashboards()) {
            // GIVEN a dashboard
            JsonObject dashboard = new JsonObject(Files.readString(file));
            List<JsonObject> variables = dashboard.getJsonObject("templating").getJsonArray("list").stream()
                    .map(JsonObject.class::cast).toList();
            // THEN it has a Prometheus datasource variable and role and instance query variables
            assertThat(variables).filteredOn(v -> v.getString("name").equals("datasource")).singleElement()
                    .satisfies(v -> {
                        assertThat(v.getString("type")).isEqualTo("datasource");
                        assertThat(v.getString("query")).isEqualTo("prometheus");
                    });
            for (String name : List.of("role", "instance")) {
                assertThat(variables).filteredOn(v -> v.getString("name").equals(name)).singleElement()
                        .satisfies(v -> {
                            assertThat(v.getString("type")).isEqualTo("query");
                            assertThat(v.getBoolean("multi")).isTrue();
                            assertThat(v.getBoolean("includeAll")).isTrue();
                        });
            }
            // AND every datasource reference, of panels, targets and variables, is that variable
            List<String> fixed = new ArrayList<>();
            collectDatasources(dashboard, file.getFileName().toString(), fixed);
            assertThat(fixed).as("datasource references that are not ${datasource}").isEmpty();
        }
    }

    @Test
    void perNodeMetricsAreFilteredByTheNodeVariables() throws Exception {
        Map<String, String> expressions = MonitoringFiles.dashboardExpressions();
        assertThat(expressions).isNotEmpty();
        expressions.forEach((panel, expr) -> {
            if (expr.matches("(?s).*\\b(jvm|vertx|process)_\\w+.*")) {
                assertThat(expr).as("%s", panel).contains("instance=~\"$instance\"").contains("role=~\"$role\"");
            }
        });
    }

    @Test
    void onCallPanelsCoverJvmEventLoopBillingAndGrpcOutcomes() throws Exception {
        String all = String.join("\n", MonitoringFiles.dashboardExpressions().values());
        assertThat(all).contains("jvm_memory_used_bytes", "jvm_gc_pause_seconds", "jvm_threads_live_threads",
                "vertx_eventbus_pending", "vertx_pool_queue_pending", "energy_bills_issued_total",
                "energy_bills_close_failures_total", "energy_bills_adjustments_total", "energy_devices_silent",
                "sum by (status) (rate(energy_grpc_calls_total", "energy_dependency_up");
    }

    private static void collectDatasources(Object node, String where, List<String> fixed) {
        if (node instanceof JsonObject json) {
            Object ds = json.getValue("datasource");
            if (ds instanceof JsonObject ref && !"${datasource}".equals(ref.getString("uid"))) {
                fixed.add(where + " " + json.getString("title", json.getString("refId", json.getString("name"))) + ": "
                        + ref.encode());
            } else if (ds instanceof String name && !name.equals("${datasource}")) {
                fixed.add(where + " " + json.getString("title", json.getString("name")) + ": " + name);
            }
            json.forEach(e -> collectDatasources(e.getValue(), where, fixed));
        } else if (node instanceof JsonArray array) {
            array.forEach(item -> collectDatasources(item, where, fixed));
        }
    }

    private static List<Path> dashboards() throws Exception {
        try (Stream<Path> files = Files.list(MonitoringFiles.repositoryRoot().resolve("deploy/grafana/dashboards"))) {
            List<Path> list = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
            assertThat(list).isNotEmpty();
            return list;
        }
    }
}
