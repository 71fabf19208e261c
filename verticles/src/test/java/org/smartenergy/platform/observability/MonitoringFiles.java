package org.smartenergy.platform.observability;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The monitoring configuration under {@code deploy/}: alert rules and Grafana dashboards, read as shipped. */
final class MonitoringFiles {

    private MonitoringFiles() {
    }

    /** @return the repository root (tests run in the module directory, {@code verticles/}) */
    static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("deploy/prometheus/alerts.yml"))) {
                return dir;
            }
        }
        throw new AssertionError("no deploy/prometheus/alerts.yml above " + Path.of("").toAbsolutePath());
    }

    static Path alertRules() {
        return repositoryRoot().resolve("deploy/prometheus/alerts.yml");
    }

    /** @return every rule's expression, keyed {@code alerts.yml <group>/<alert or record name>} */
    @SuppressWarnings("unchecked")
    static Map<String, String> alertExpressions() throws IOException {
        Map<String, String> expressions = new LinkedHashMap<>();
        try (Reader reader = Files.newBufferedReader(alertRules())) {
            Map<String, Object> root = new Yaml().load(reader);
            for (Map<String, Object> group : (List<Map<String, Object>>) root.get("groups")) {
                for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                    Object name = rule.containsKey("alert") ? rule.get("alert") : rule.get("record");
                    expressions.put("alerts.yml " + group.get("name") + "/" + name, String.valueOf(rule.get("expr")));
                }
            }
        }
        return expressions;
    }

    /** @return every panel target's expression of every dashboard, keyed {@code <file> "<panel title>"/<refId>} */
    static Map<String, String> dashboardExpressions() throws IOException {
        Map<String, String> expressions = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(repositoryRoot().resolve("deploy/grafana/dashboards"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                JsonObject dashboard = new JsonObject(Files.readString(file));
                collectTargets(file.getFileName().toString(), dashboard.getJsonArray("panels", new JsonArray()),
                        expressions);
            }
        }
        return expressions;
    }

    /** Rows carry their collapsed panels in a nested {@code panels} array. */
    private static void collectTargets(String file, JsonArray panels, Map<String, String> expressions) {
        for (Object p : panels) {
            JsonObject panel = (JsonObject) p;
            for (Object t : panel.getJsonArray("targets", new JsonArray())) {
                JsonObject target = (JsonObject) t;
                if (target.containsKey("expr")) {
                    expressions.put(file + " \"" + panel.getString("title") + "\"/" + target.getString("refId"),
                            target.getString("expr"));
                }
            }
            collectTargets(file, panel.getJsonArray("panels", new JsonArray()), expressions);
        }
    }
}
