package org.smartenergy.platform.node;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Builds a node's configuration in three layers, later ones winning:
 * <ol>
 *   <li>{@code config/defaults.json} on the classpath: every option with its default (README's table is this file);</li>
 *   <li>an optional JSON file ({@code --config}), deep-merged;</li>
 *   <li>environment variables {@code SEP_<SECTION>_<KEY>}, the key's camelCase written in upper snake case, nested
 *       sections joined the same way: {@code gateway.grpcPort} is {@code SEP_GATEWAY_GRPC_PORT},
 *       {@code rabbitmq.topology.queueType} is {@code SEP_RABBITMQ_TOPOLOGY_QUEUE_TYPE}. The value is converted to
 *       the type of the default (number, boolean or string).</li>
 * </ol>
 * Only options that exist in the defaults can be set from the environment, so a typo cannot silently do nothing:
 * unknown {@code SEP_} variables are reported by {@link #unknownEnvironmentKeys}.
 */
public final class ConfigLoader {

    /** Prefix of environment variables that override options. */
    public static final String ENV_PREFIX = "SEP_";

    private ConfigLoader() {
    }

    /** @return the built-in defaults */
    public static JsonObject defaults() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream("/config/defaults.json")) {
            if (in == null) {
                throw new IllegalStateException("config/defaults.json missing from the classpath");
            }
            return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param file optional JSON file, may be null
     * @param env  the environment, normally {@code System.getenv()}
     */
    public static JsonObject load(Path file, Map<String, String> env) {
        JsonObject config = defaults();
        if (file != null) {
            try {
                config.mergeIn(new JsonObject(Files.readString(file)), true);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read configuration file " + file + ": " + e.getMessage(), e);
            }
        }
        applyEnvironment(config, "", env);
        return config;
    }

    /** @return {@code SEP_} variables that match no option, for a warning at start-up */
    public static java.util.List<String> unknownEnvironmentKeys(Map<String, String> env) {
        java.util.Set<String> known = new java.util.HashSet<>();
        collectEnvNames(defaults(), "", known);
        return env.keySet().stream()
                .filter(k -> k.startsWith(ENV_PREFIX) && !known.contains(k))
                .sorted()
                .toList();
    }

    /** @return the environment variable that sets the option at the dotted path, e.g. {@code SEP_GATEWAY_GRPC_PORT} */
    public static String envName(String dottedPath) {
        StringBuilder sb = new StringBuilder(ENV_PREFIX);
        for (String part : dottedPath.split("\\.")) {
            if (sb.length() > ENV_PREFIX.length()) {
                sb.append('_');
            }
            sb.append(part.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT));
        }
        return sb.toString();
    }

    private static void collectEnvNames(JsonObject json, String path, java.util.Set<String> names) {
        for (String key : json.fieldNames()) {
            String p = path.isEmpty() ? key : path + "." + key;
            if (json.getValue(key) instanceof JsonObject nested) {
                collectEnvNames(nested, p, names);
            } else {
                names.add(envName(p));
            }
        }
    }

    private static void applyEnvironment(JsonObject json, String path, Map<String, String> env) {
        for (String key : json.fieldNames()) {
            String p = path.isEmpty() ? key : path + "." + key;
            Object current = json.getValue(key);
            if (current instanceof JsonObject nested) {
                applyEnvironment(nested, p, env);
                continue;
            }
            String value = env.get(envName(p));
            if (value != null) {
                json.put(key, convert(p, current, value));
            }
        }
    }

    private static Object convert(String path, Object template, String value) {
        try {
            if (template instanceof Integer) {
                return Integer.parseInt(value.trim());
            } else if (template instanceof Long) {
                return Long.parseLong(value.trim());
            } else if (template instanceof Number) {
                return Double.parseDouble(value.trim());
            } else if (template instanceof Boolean) {
                String v = value.trim().toLowerCase(Locale.ROOT);
                if (!v.equals("true") && !v.equals("false")) {
                    throw new IllegalArgumentException("expected true or false");
                }
                return Boolean.parseBoolean(v);
            }
            return value;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "environment variable " + envName(path) + "=" + value + " is not valid for " + path + ": " + e.getMessage(), e);
        }
    }
}
