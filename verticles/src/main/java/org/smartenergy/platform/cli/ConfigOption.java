package org.smartenergy.platform.cli;

import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.node.ConfigLoader;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Map;

/** The {@code --config} option every command that reads the configuration shares (a picocli mixin). */
final class ConfigOption {

    @Option(names = "--config", paramLabel = "FILE",
            description = "JSON configuration file, layered over the defaults and under SEP_* environment variables "
                    + "(default: the file named by SEP_CONFIG, if set).")
    Path config;

    /**
     * The effective configuration: defaults, then the file ({@code --config}, else {@code SEP_CONFIG}), then
     * {@code SEP_*} environment variables.
     */
    JsonObject load() {
        return ConfigLoader.load(file(System.getenv()), System.getenv());
    }

    /** @return {@code --config}, else the non-blank {@code SEP_CONFIG}, else null */
    Path file(Map<String, String> env) {
        if (config != null) {
            return config;
        }
        String fromEnv = env.get(ConfigLoader.CONFIG_ENV);
        return fromEnv == null || fromEnv.isBlank() ? null : Path.of(fromEnv.trim());
    }
}
