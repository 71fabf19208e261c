package org.smartenergy.platform.observability;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.smartenergy.platform.e2e.PlatformHarness;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real Prometheus (the {@code prometheus} binary on the PATH) scrapes a running node every second, with the
 * shipped alert rules loaded, and its query API returns exactly what the test sent.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PrometheusScrapeIT {

    private static final Duration WAIT = Duration.ofSeconds(45);
    private static final SampleTraffic TRAFFIC = new SampleTraffic(20, 3, 2);

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(java.time.Duration.ofSeconds(5)).build();
    private static PlatformHarness platform;
    private static Path workDir;
    private static long prometheusPid = -1;
    private static int prometheusPort;

    @BeforeAll
    static void startNodeAndPrometheus() throws Exception {
        Path binary = findOnPath("prometheus").orElseThrow(() -> new AssertionError(
                "the prometheus binary is not on the PATH; install it (Debian: apt-get install -y prometheus)"));
        platform = new PlatformHarness();
        workDir = Files.createTempDirectory("prometheus-it");
        Path config = workDir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                rule_files: ["%s"]
                scrape_configs:
                  - job_name: energy-platform
                    metrics_path: /metrics
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                        labels: {role: all}
                """.formatted(MonitoringFiles.alertRules(), platform.node.metricsPort()));
        prometheusPort = freePort();
        Process process = new ProcessBuilder(binary.toString(),
                "--config.file=" + config,
                "--web.listen-address=127.0.0.1:" + prometheusPort,
                "--storage.tsdb.path=" + workDir.resolve("data"))
                .redirectErrorStream(true)
                .redirectOutput(workDir.resolve("prometheus.log").toFile())
                .start();
        prometheusPid = process.pid();
        PlatformHarness.await("Prometheus is ready on port " + prometheusPort + " (log: " + log() + ")", WAIT,
                () -> process.isAlive() && get("/-/ready").map(r -> r.statusCode() == 200).orElse(false));
    }

    @AfterAll
    static void stopPrometheusAndNode() throws Exception {
        try {
            if (prometheusPid > 0) {
                Optional<ProcessHandle> handle = ProcessHandle.of(prometheusPid);
                if (handle.isPresent()) {
                    handle.get().destroy();
                    try {
                        handle.get().onExit().get(10, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.TimeoutException e) {
                        handle.get().destroyForcibly();
                    }
                }
            }
            if (workDir != null) {
                try (Stream<Path> files = Files.walk(workDir)) {
                    files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
                }
            }
        } finally {
            if (platform != null) {
                platform.close();
            }
        }
    }

    @Test
    void prometheusScrapesTheNodeAndCountsWhatWasSent() throws Exception {
        // GIVEN Prometheus scrapes the node
        awaitQuery("up{job=\"energy-platform\"}", 1);

        // WHEN a device streams valid and invalid readings
        TRAFFIC.sendTo(platform);

        // THEN Prometheus reports exactly those readings as received, stored and rejected by reason
        awaitQuery("sum(energy_readings_received_total)", TRAFFIC.sent());
        awaitQuery("sum(energy_readings_accepted_total)", TRAFFIC.valid());
        awaitQuery("sum(energy_readings_stored_total)", TRAFFIC.valid());
        awaitQuery("energy_readings_rejected_total{reason=\"usage_negative\"}", TRAFFIC.negativeUsage());
        awaitQuery("energy_readings_rejected_total{reason=\"timestamp_future\"}", TRAFFIC.future());
        awaitQuery("sum(energy_publish_confirm_latency_seconds_count) > bool 0", 1);
        assertThat(queryValue("up{job=\"energy-platform\"}")).hasValue(1);
    }

    @Test
    void theShippedAlertRulesLoadAndEvaluateWithoutErrors() throws Exception {
        // GIVEN Prometheus loaded deploy/prometheus/alerts.yml and evaluates it every second
        PlatformHarness.await("every alert rule was evaluated", WAIT, () -> rules().stream()
                .allMatch(r -> r.getString("lastEvaluation", "").compareTo("2000") > 0));

        // THEN every rule is healthy, and none fires against a healthy node
        List<JsonObject> rules = rules();
        assertThat(rules).extracting(r -> r.getString("name")).contains("NothingStoredWhileReadingsArrive",
                "DeadLetters", "ConfirmLatencyP99High", "NodeDown", "BrokerBacklogGrowing", "CacheErrors");
        assertThat(rules).allSatisfy(r -> assertThat(r.getString("health"))
                .as("health of %s (%s)", r.getString("name"), r.getString("lastError")).isEqualTo("ok"));
        assertThat(rules).filteredOn(r -> "firing".equals(r.getString("state")))
                .extracting(r -> r.getString("name")).isEmpty();
    }

    // -----------------------------------------------------------------------------------------------------------

    private static void awaitQuery(String query, double expected) throws InterruptedException {
        PlatformHarness.await("Prometheus answers " + expected + " to " + query, WAIT,
                () -> queryValue(query).orElse(Double.NaN) == expected);
    }

    /** @return the value of the query's single sample, empty while there is none */
    private static OptionalDouble queryValue(String query) {
        JsonArray result = get("/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8))
                .filter(r -> r.statusCode() == 200)
                .map(r -> new JsonObject(r.body()).getJsonObject("data").getJsonArray("result"))
                .orElse(new JsonArray());
        if (result.size() != 1) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(Double.parseDouble(result.getJsonObject(0).getJsonArray("value").getString(1)));
    }

    private static List<JsonObject> rules() {
        return get("/api/v1/rules").filter(r -> r.statusCode() == 200)
                .map(r -> new JsonObject(r.body()).getJsonObject("data").getJsonArray("groups"))
                .orElse(new JsonArray()).stream()
                .flatMap(g -> ((JsonObject) g).getJsonArray("rules").stream())
                .map(JsonObject.class::cast)
                .toList();
    }

    private static Optional<HttpResponse<String>> get(String pathAndQuery) {
        try {
            return Optional.of(HTTP.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + prometheusPort + pathAndQuery))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static Optional<Path> findOnPath(String name) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, name))
                .filter(Files::isExecutable)
                .findFirst();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String log() {
        return workDir.resolve("prometheus.log").toString();
    }
}
