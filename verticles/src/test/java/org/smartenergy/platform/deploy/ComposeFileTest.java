package org.smartenergy.platform.deploy;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.smartenergy.platform.node.ConfigLoader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker-compose.yml as an operator relies on it: every service reports its health and starts after what it needs
 * is healthy, nodes get more time to stop than they take to drain, secrets come from the env file (a demo one,
 * saying so, by default) and Prometheus scrapes the backing services. {@code .ci/check-deploy.sh} runs
 * {@code docker-compose config -q} for the syntax; this checks the content.
 */
class ComposeFileTest {

    private static final Pattern ENV_FILE_DEFAULT = Pattern.compile("^\\$\\{[A-Z_]+:-([^}]+)}$");

    private static Map<String, Map<String, Object>> services;
    private static JsonObject defaults;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void readComposeFile() throws Exception {
        Map<String, Object> compose = DeployFiles.documents(DeployFiles.repositoryRoot().resolve("docker-compose.yml"))
                .get(0);
        services = (Map<String, Map<String, Object>>) compose.get("services");
        defaults = ConfigLoader.defaults();
    }

    @Test
    void everyServiceHasAHealthcheckExceptTheShellLessExporters() {
        for (Map.Entry<String, Map<String, Object>> s : services.entrySet()) {
            boolean exporter = String.valueOf(s.getValue().get("image")).contains("_exporter");
            assertThat(s.getValue().containsKey("healthcheck")).as("healthcheck of %s", s.getKey())
                    .isEqualTo(!exporter);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void servicesStartOnlyOnceWhatTheyDependOnIsHealthy() {
        for (Map.Entry<String, Map<String, Object>> s : services.entrySet()) {
            Object dependsOn = s.getValue().get("depends_on");
            if (dependsOn == null) {
                continue;
            }
            assertThat(dependsOn).as("depends_on of %s (conditions need the long form)", s.getKey())
                    .isInstanceOf(Map.class);
            for (Map.Entry<String, Object> d : ((Map<String, Object>) dependsOn).entrySet()) {
                assertThat(((Map<String, Object>) d.getValue()).get("condition"))
                        .as("%s waits for %s", s.getKey(), d.getKey()).isEqualTo("service_healthy");
                assertThat(services.get(d.getKey())).as("service %s", d.getKey()).containsKey("healthcheck");
            }
        }
    }

    @Test
    void nodesAreReadyWhenTheirReadinessEndpointSaysSoAndMayFinishDrainingBeforeTheyAreKilled() {
        long drainMs = defaults.getJsonObject("node").getLong("shutdownTimeoutMs");
        int metricsPort = defaults.getJsonObject("node").getInteger("metricsPort");
        List<String> nodes = nodes();
        assertThat(nodes).hasSize(3);
        for (String node : nodes) {
            Map<String, Object> s = services.get(node);
            assertThat(seconds(String.valueOf(s.get("stop_grace_period"))) * 1000).as("stop_grace_period of %s", node)
                    .isGreaterThan(drainMs);
            @SuppressWarnings("unchecked")
            List<String> test = (List<String>) ((Map<String, Object>) s.get("healthcheck")).get("test");
            assertThat(String.join(" ", test)).as("healthcheck of %s", node)
                    .contains("/health/ready").contains("127.0.0.1/" + metricsPort);
        }
    }

    @Test
    void secretsComeFromADemoEnvFileThatSaysSoAndNamesOnlyRealOptions() throws Exception {
        for (String node : nodes()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> env = (Map<String, Object>) services.get(node).get("environment");
            assertThat(env).as("environment of %s", node).doesNotContainKeys("SEP_GATEWAY_JWT_SECRET",
                    "SEP_RABBITMQ_URI", "SEP_MONGO_CONNECTION_STRING", "SEP_REDIS_CONNECTION_STRING");
        }
        // GIVEN the env file the stack uses unless told otherwise
        Path envFile = envFile(services.get(nodes().get(0)));
        String text = Files.readString(envFile);
        Map<String, String> vars = new LinkedHashMap<>();
        for (String line : text.lines().toList()) {
            if (!line.isBlank() && !line.startsWith("#")) {
                int eq = line.indexOf('=');
                vars.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        // THEN it warns that it is a demo, holds the node's secrets, and every SEP_ variable is an option
        assertThat(text).contains("DEMO SECRETS - NOT FOR PRODUCTION");
        assertThat(vars).containsKeys("SEP_GATEWAY_JWT_SECRET", "SEP_RABBITMQ_URI", "SEP_MONGO_CONNECTION_STRING",
                "SEP_REDIS_CONNECTION_STRING");
        assertThat(vars.get("SEP_GATEWAY_JWT_SECRET")).hasSizeGreaterThanOrEqualTo(32);
        assertThat(ConfigLoader.unknownEnvironmentKeys(vars)).isEmpty();
        // AND the passwords the backing services are created with are the ones in the nodes' URIs
        assertThat(vars.get("SEP_RABBITMQ_URI")).contains(vars.get("RABBITMQ_DEFAULT_USER") + ":"
                + vars.get("RABBITMQ_DEFAULT_PASS") + "@");
        assertThat(vars.get("SEP_MONGO_CONNECTION_STRING")).contains(vars.get("MONGO_INITDB_ROOT_USERNAME") + ":"
                + vars.get("MONGO_INITDB_ROOT_PASSWORD") + "@");
        assertThat(vars.get("SEP_REDIS_CONNECTION_STRING")).contains(":" + vars.get("REDIS_PASSWORD") + "@");
        assertThat(vars.get("REDISCLI_AUTH")).isEqualTo(vars.get("REDIS_PASSWORD"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void prometheusScrapesTheNodesRabbitMqRedisAndMongoDb() throws Exception {
        // GIVEN RabbitMQ with its Prometheus plugin enabled
        String plugins = Files.readString(DeployFiles.repositoryRoot().resolve("deploy/rabbitmq/enabled_plugins"));
        assertThat(plugins).contains("rabbitmq_prometheus");
        assertThat((List<String>) services.get("rabbitmq").get("volumes"))
                .anyMatch(v -> v.startsWith("./deploy/rabbitmq/enabled_plugins:/etc/rabbitmq/enabled_plugins"));
        // WHEN the shipped Prometheus configuration is read
        Map<String, Object> prometheus = DeployFiles.documents(
                DeployFiles.repositoryRoot().resolve("deploy/prometheus/prometheus.yml")).get(0);
        Map<String, List<String>> targets = new LinkedHashMap<>();
        for (Map<String, Object> job : (List<Map<String, Object>>) prometheus.get("scrape_configs")) {
            List<String> t = new ArrayList<>();
            for (Map<String, Object> sc : (List<Map<String, Object>>) job.get("static_configs")) {
                t.addAll((List<String>) sc.get("targets"));
            }
            targets.put(String.valueOf(job.get("job_name")), t);
        }
        // THEN every node, the broker's own endpoint and both exporters are targets, each a compose service
        assertThat(targets).containsEntry("rabbitmq", List.of("rabbitmq:15692"))
                .containsEntry("redis", List.of("redis-exporter:9121"))
                .containsEntry("mongodb", List.of("mongodb-exporter:9216"));
        int metricsPort = defaults.getJsonObject("node").getInteger("metricsPort");
        assertThat(targets.get("energy-platform")).containsExactlyInAnyOrderElementsOf(
                nodes().stream().map(n -> n + ":" + metricsPort).toList());
        targets.values().stream().flatMap(List::stream).map(t -> t.substring(0, t.indexOf(':')))
                .forEach(host -> assertThat(services).as("compose service %s", host).containsKey(host));
    }

    // -----------------------------------------------------------------------------------------------------------

    /** @return the services built from deploy/Dockerfile: the platform nodes */
    @SuppressWarnings("unchecked")
    private static List<String> nodes() {
        return services.entrySet().stream()
                .filter(e -> e.getValue().get("build") instanceof Map<?, ?> b
                        && "deploy/Dockerfile".equals(((Map<String, Object>) b).get("dockerfile")))
                .map(Map.Entry::getKey).toList();
    }

    private static Path envFile(Map<String, Object> service) {
        String value = String.valueOf(service.get("env_file"));
        Matcher m = ENV_FILE_DEFAULT.matcher(value);
        Path file = DeployFiles.repositoryRoot().resolve(m.matches() ? m.group(1) : value);
        assertThat(file).as("env_file %s", value).isRegularFile();
        return file;
    }

    private static long seconds(String duration) {
        Matcher m = Pattern.compile("^(\\d+)s$").matcher(duration);
        assertThat(m.matches()).as("duration %s in seconds", duration).isTrue();
        return Long.parseLong(m.group(1));
    }
}
