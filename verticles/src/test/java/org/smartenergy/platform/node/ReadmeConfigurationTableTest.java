package org.smartenergy.platform.node;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** README's configuration table documents every option the node knows, with its variable and its default. */
class ReadmeConfigurationTableTest {

    @Test
    void everyOptionIsDocumentedWithItsEnvironmentVariableAndDefault() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        List<String> undocumented = new ArrayList<>();
        collect(ConfigLoader.defaults(), "", readme, undocumented);
        assertThat(undocumented).as("options missing from README's configuration table").isEmpty();
    }

    private static void collect(JsonObject json, String path, String readme, List<String> undocumented) {
        for (String key : json.fieldNames()) {
            String p = path.isEmpty() ? key : path + "." + key;
            Object value = json.getValue(key);
            if (value instanceof JsonObject nested) {
                collect(nested, p, readme, undocumented);
                continue;
            }
            String row = "| `" + p + "` | `" + ConfigLoader.envName(p) + "` | `" + encode(value) + "` |";
            if (!readme.contains(row)) {
                undocumented.add(row);
            }
        }
    }

    private static String encode(Object value) {
        return new JsonObject().put("v", value).encode().replaceFirst("^\\{\"v\":", "").replaceFirst("}$", "");
    }
}
