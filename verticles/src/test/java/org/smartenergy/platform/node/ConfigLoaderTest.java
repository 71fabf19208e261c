package org.smartenergy.platform.node;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {

    @Test
    void environmentVariablesOverrideTheFileWhichOverridesTheDefaults(@TempDir Path dir) throws Exception {
        // GIVEN a file that sets the gRPC port and the queue type
        Path file = dir.resolve("node.json");
        Files.writeString(file, """
                {"gateway": {"grpcPort": 6000, "httpPort": 6001},
                 "rabbitmq": {"topology": {"queueType": "classic"}}}""");

        // WHEN the environment overrides one of them and a nested option
        JsonObject config = ConfigLoader.load(file, Map.of(
                "SEP_GATEWAY_GRPC_PORT", "7000",
                "SEP_RABBITMQ_TOPOLOGY_QUEUE", "custom.queue",
                "SEP_CLUSTER_ENABLED", "true",
                "SEP_INGESTION_MAX_POWER_KW", "250.5"));

        // THEN environment > file > defaults, with the default's type
        assertThat(config.getJsonObject("gateway").getInteger("grpcPort")).isEqualTo(7000);
        assertThat(config.getJsonObject("gateway").getInteger("httpPort")).isEqualTo(6001);
        assertThat(config.getJsonObject("rabbitmq").getJsonObject("topology").getString("queueType")).isEqualTo("classic");
        assertThat(config.getJsonObject("rabbitmq").getJsonObject("topology").getString("queue")).isEqualTo("custom.queue");
        assertThat(config.getJsonObject("rabbitmq").getJsonObject("topology").getString("exchange")).isEqualTo("energy.readings");
        assertThat(config.getJsonObject("cluster").getBoolean("enabled")).isTrue();
        assertThat(config.getJsonObject("ingestion").getDouble("maxPowerKw")).isEqualTo(250.5);
    }

    @Test
    void aMalformedEnvironmentValueNamesTheVariable() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SEP_GATEWAY_GRPC_PORT", "fifty")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SEP_GATEWAY_GRPC_PORT");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SEP_CLUSTER_ENABLED", "yes")))
                .hasMessageContaining("SEP_CLUSTER_ENABLED");
    }

    @Test
    void unknownPrefixedVariablesAreReported() {
        assertThat(ConfigLoader.unknownEnvironmentKeys(Map.of("SEP_GATEWAY_GRPC_PROT", "1", "SEP_GATEWAY_GRPC_PORT", "2",
                "PATH", "/bin"))).containsExactly("SEP_GATEWAY_GRPC_PROT");
    }

    @Test
    void envNamesFollowTheDocumentedRule() {
        assertThat(ConfigLoader.envName("gateway.grpcPort")).isEqualTo("SEP_GATEWAY_GRPC_PORT");
        assertThat(ConfigLoader.envName("rabbitmq.topology.deadLetterQueue")).isEqualTo("SEP_RABBITMQ_TOPOLOGY_DEAD_LETTER_QUEUE");
        assertThat(ConfigLoader.envName("mongo.embedded.dataFile")).isEqualTo("SEP_MONGO_EMBEDDED_DATA_FILE");
    }

    @Test
    void rolesParseAndRefuseUnknownNames() {
        assertThat(Role.parse("gateway, billing")).containsExactlyInAnyOrder(Role.GATEWAY, Role.BILLING);
        assertThat(Role.parse("all")).containsExactlyInAnyOrder(Role.values());
        assertThatThrownBy(() -> Role.parse("gateway,billling")).hasMessageContaining("billling");
    }

    @Test
    void theReadmeTableDocumentsEveryOptionWithItsVariableAndDefault() throws Exception {
        // GIVEN the README's configuration table (surefire runs in verticles/)
        String readme = Files.readString(Path.of("..", "README.md"));
        // THEN each option of defaults.json has a row: option, environment variable, default as JSON
        JsonObject defaults = ConfigLoader.defaults();
        java.util.List<String> missing = new java.util.ArrayList<>();
        collectRows(defaults, "", readme, missing);
        assertThat(missing).as("options without a correct README row").isEmpty();
    }

    private static void collectRows(JsonObject json, String path, String readme, java.util.List<String> missing) {
        for (String key : json.fieldNames()) {
            String p = path.isEmpty() ? key : path + "." + key;
            Object value = json.getValue(key);
            if (value instanceof JsonObject nested) {
                collectRows(nested, p, readme, missing);
                continue;
            }
            String shown = value instanceof String str ? "\"" + str + "\"" : String.valueOf(value);
            String row = "| `" + p + "` | `" + ConfigLoader.envName(p) + "` | `" + shown + "` |";
            if (!readme.contains(row)) {
                missing.add(row);
            }
        }
    }
}
