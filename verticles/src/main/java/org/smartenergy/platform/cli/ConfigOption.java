package org.smartenergy.platform.cli;

import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.node.ConfigLoader;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The {@code --config} option every command that reads the configuration shares (a picocli mixin). */
final class ConfigOption {

    @Option(names = "--config", paramLabel = "FILE",
            description = "JSON configuration file, layered over the defaults and under SEP_* environment variables.")
    Path config;

    /** The effective configuration: defaults, then the file, then {@code SEP_*} environment variables. */
    JsonObject load() {
        return ConfigLoader.load(config, System.getenv());
    }
}
