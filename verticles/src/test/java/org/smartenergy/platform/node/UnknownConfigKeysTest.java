package org.smartenergy.platform.node;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smartenergy.platform.analytics.AnalyticsOptions;
import org.smartenergy.platform.billing.BillingOptions;
import org.smartenergy.platform.billing.MongoSettings;
import org.smartenergy.platform.billing.RedisSettings;
import org.smartenergy.platform.gateway.GatewayOptions;
import org.smartenergy.platform.ingestion.IngestionOptions;
import org.smartenergy.platform.queue.QueueTopology;
import org.smartenergy.platform.queue.RabbitSettings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A configuration key no option reads fails the start, named by its dotted path; every key the repository uses is known. */
class UnknownConfigKeysTest {

    private static final String SECRET = "unknown-keys-test-secret-0123456789abcdef";

    @Test
    void everySectionRefusesAnUnknownKeyNamingItByItsPath() {
        // GIVEN every section of the defaults, nested ones included, and the top level
        List<String> sections = new ArrayList<>(List.of(""));
        collectSections(ConfigLoader.defaults(), "", sections);
        assertThat(sections).contains("gateway", "rabbitmq.topology", "mongo.embedded", "standalone.simulator");
        for (String section : sections) {
            // WHEN one of them holds a key no option reads
            JsonObject config = ConfigLoader.defaults();
            sectionOf(config, section).put("bogusOption", 1);
            String expected = section.isEmpty() ? "bogusOption" : section + ".bogusOption";

            // THEN the check names it
            assertThatThrownBy(() -> ConfigLoader.requireKnownKeys(config))
                    .as(section)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("unknown configuration key " + expected);
        }
    }

    @Test
    void everyUnknownKeyIsNamedInOneMessage() {
        JsonObject config = ConfigLoader.defaults();
        config.put("gatway", new JsonObject());
        config.getJsonObject("billing").put("prefetchh", 4);
        assertThatThrownBy(() -> ConfigLoader.requireKnownKeys(config))
                .hasMessageContaining("unknown configuration keys billing.prefetchh, gatway");
    }

    @Test
    void aKeyItsOptionsClassListsIsAcceptedWithoutADefaultInTheFile() {
        // GIVEN defaults.json without gateway.host and standalone.dataDir
        JsonObject defaults = ConfigLoader.defaults();
        defaults.getJsonObject("gateway").remove("host");
        defaults.getJsonObject("standalone").remove("dataDir");

        // THEN gateway.host is still known (GatewayOptions lists it: a new option is one entry in that list) ...
        ConfigLoader.requireKnownKeys(ConfigLoader.defaults().put("standalone", defaults.getJsonObject("standalone")),
                defaults);
        // ... and standalone.dataDir, which no options class lists, is not
        assertThatThrownBy(() -> ConfigLoader.requireKnownKeys(ConfigLoader.defaults(), defaults))
                .hasMessageContaining("unknown configuration key standalone.dataDir");
        // and the shipped defaults pass as they are
        ConfigLoader.requireKnownKeys(ConfigLoader.defaults());
    }

    @Test
    void eachOptionsClassRefusesAnUnknownKeyNamingSectionAndKey() {
        Map<String, Consumer<JsonObject>> parsers = new LinkedHashMap<>();
        parsers.put("ingestion", IngestionOptions::fromJson);
        parsers.put("billing", BillingOptions::fromJson);
        parsers.put("analytics", AnalyticsOptions::fromJson);
        parsers.put("rabbitmq", RabbitSettings::fromJson);
        parsers.put("rabbitmq.topology", QueueTopology::fromJson);
        parsers.put("mongo", MongoSettings::fromJson);
        parsers.put("redis", RedisSettings::fromJson);
        parsers.forEach((section, parser) -> {
            // GIVEN the section as shipped, which parses
            JsonObject shipped = sectionOf(ConfigLoader.defaults(), section);
            parser.accept(shipped);
            // WHEN it also holds a misspelt key THEN the options class names it
            assertThatThrownBy(() -> parser.accept(shipped.copy().put("timeoutMS", 5)))
                    .as(section)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("unknown configuration key " + section + ".timeoutMS");
        });
        assertThatThrownBy(() -> GatewayOptions.fromJson(
                ConfigLoader.defaults().getJsonObject("gateway").put("jwtSecret", SECRET).put("timeoutMS", 5)))
                .hasMessageContaining("timeoutMS");
        GatewayOptions.fromJson(ConfigLoader.defaults().getJsonObject("gateway").put("jwtSecret", SECRET));
    }

    @Test
    void aFileWithAnUnknownKeyFailsTheLoadNamingFileAndKey(@TempDir Path dir) throws Exception {
        // GIVEN a file with a misspelt nested key
        Path file = dir.resolve("node.json");
        Files.writeString(file, "{\"mongo\": {\"embedded\": {\"enable\": true}}}");

        // WHEN it is loaded THEN the error names the file and the key
        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("unknown configuration key mongo.embedded.enable");
    }

    @Test
    void aNodeWhoseConfigurationHoldsAnUnknownKeyFailsToStartNamingIt() throws Exception {
        // GIVEN a configuration with a key no option reads (put by code, after loading)
        JsonObject config = ConfigLoader.load(null, Map.of());
        config.getJsonObject("gateway").put("jwtSecret", SECRET);
        config.getJsonObject("analytics").put("topn", 5);
        Vertx vertx = Vertx.vertx();
        try {
            // WHEN the node starts THEN it fails with the key's name, before connecting to anything
            assertThatThrownBy(() -> Node.start(vertx, config, Node.newRegistry()).await(30, TimeUnit.SECONDS))
                    .hasMessageContaining("unknown configuration key analytics.topn");
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theShippedConfigurationFileIsAccepted() {
        // surefire runs in verticles/
        JsonObject local = ConfigLoader.load(Path.of("..", "deploy", "local.json"), Map.of());
        assertThat(local.getJsonObject("mongo").getJsonObject("embedded").getBoolean("enabled")).isTrue();
    }

    @Test
    void everyVariableTheDeploymentFilesSetIsKnown() throws Exception {
        // GIVEN the SEP_ variables set in the compose file and any Kubernetes manifests
        List<Path> files = new ArrayList<>(List.of(Path.of("..", "docker-compose.yml")));
        Path k8s = Path.of("..", "deploy", "k8s");
        if (Files.isDirectory(k8s)) {
            try (Stream<Path> walk = Files.walk(k8s)) {
                walk.filter(f -> f.toString().matches(".*\\.ya?ml$")).forEach(files::add);
            }
        }
        Pattern assignment = Pattern.compile("(?:^|[\\s\"'-])(SEP_[A-Z0-9_]+)[\"']?\\s*[:=]");
        Map<String, String> variables = new java.util.HashMap<>();
        for (Path file : files) {
            Matcher m = assignment.matcher(Files.readString(file));
            while (m.find()) {
                variables.put(m.group(1), file.toString());
            }
        }
        assertThat(variables).containsKey("SEP_GATEWAY_JWT_SECRET");

        // THEN each matches an option or a documented launcher variable
        assertThat(new TreeSet<>(ConfigLoader.unknownEnvironmentKeys(variables))).as("unknown variables").isEmpty();
    }

    @Test
    void theLauncherVariablesAreNotReportedAsUnknown() {
        assertThat(ConfigLoader.unknownEnvironmentKeys(Map.of("SEP_LOG_LEVEL", "DEBUG", "SEP_CONFIG", "my.json",
                "SEP_LOG_FORMAT", "json", "SEP_LOG_LEVLE", "DEBUG"))).containsExactly("SEP_LOG_LEVLE");
    }

    private static void collectSections(JsonObject json, String path, List<String> sections) {
        for (String key : json.fieldNames()) {
            if (json.getValue(key) instanceof JsonObject nested) {
                String p = path.isEmpty() ? key : path + "." + key;
                sections.add(p);
                collectSections(nested, p, sections);
            }
        }
    }

    private static JsonObject sectionOf(JsonObject config, String path) {
        JsonObject section = config;
        if (!path.isEmpty()) {
            for (String part : path.split("\\.")) {
                section = section.getJsonObject(part);
            }
        }
        return section;
    }
}
