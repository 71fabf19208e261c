package org.smartenergy.platform.node;

import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.analytics.AnalyticsOptions;
import org.smartenergy.platform.billing.BillingOptions;
import org.smartenergy.platform.billing.MongoSettings;
import org.smartenergy.platform.billing.RedisSettings;
import org.smartenergy.platform.domain.ConfigKeys;
import org.smartenergy.platform.gateway.GatewayOptions;
import org.smartenergy.platform.ingestion.IngestionOptions;
import org.smartenergy.platform.queue.QueueTopology;
import org.smartenergy.platform.queue.RabbitSettings;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

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
 * unknown {@code SEP_} variables are reported by {@link #unknownEnvironmentKeys}. A key in the file (or put into the
 * configuration by code) that no option reads fails {@link #load} and {@code Node.start}
 * ({@link #requireKnownKeys}).
 */
public final class ConfigLoader {

    /** Prefix of environment variables that override options. */
    public static final String ENV_PREFIX = "SEP_";

    /**
     * {@code SEP_} variables that are not options: {@value #CONFIG_ENV} (the configuration file when {@code --config}
     * is not given), {@code SEP_LOG_LEVEL} and {@code SEP_LOG_FORMAT} (read by {@code logback.xml}), and the
     * benchmark script's {@code SEP_BENCH_SCENARIOS} and {@code SEP_BENCH_STORE}, which the node it starts inherits.
     */
    public static final Set<String> NON_OPTION_VARIABLES = Set.of(
            "SEP_CONFIG", "SEP_LOG_LEVEL", "SEP_LOG_FORMAT", "SEP_BENCH_SCENARIOS", "SEP_BENCH_STORE");

    /** The configuration file used when {@code --config} is not given. */
    public static final String CONFIG_ENV = "SEP_CONFIG";

    /**
     * The keys each typed options class reads, by section path. {@code defaults.json} lists the others (and these
     * too, mostly); a section's keys are the union of both, so an option read by its class is accepted even before
     * it has a default in the file.
     */
    private static final Map<String, Set<String>> OPTION_KEYS = Map.of(
            GatewayOptions.SECTION, GatewayOptions.knownKeys(),
            IngestionOptions.SECTION, IngestionOptions.KEYS,
            BillingOptions.SECTION, BillingOptions.KEYS,
            AnalyticsOptions.SECTION, AnalyticsOptions.KEYS,
            RabbitSettings.SECTION, RabbitSettings.KEYS,
            QueueTopology.SECTION, QueueTopology.KEYS,
            MongoSettings.SECTION, MongoSettings.KEYS,
            RedisSettings.SECTION, RedisSettings.KEYS);

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
     * @throws IllegalArgumentException if the file cannot be read, holds a key that is no option, or a variable's
     *                                  value does not fit its option
     */
    public static JsonObject load(Path file, Map<String, String> env) {
        JsonObject config = defaults();
        if (file != null) {
            try {
                config.mergeIn(new JsonObject(Files.readString(file)), true);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read configuration file " + file + ": " + e.getMessage(), e);
            }
            try {
                requireKnownKeys(config);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("configuration file " + file + ": " + e.getMessage(), e);
            }
        }
        applyEnvironment(config, "", env);
        return config;
    }

    /**
     * Refuses sections and keys no option reads, at any depth ({@code rabbitmq.topology}, {@code mongo.embedded},
     * {@code standalone.simulator}): a section accepts the keys {@code defaults.json} gives it and those its options
     * class lists.
     *
     * @throws IllegalArgumentException naming each unknown key by its dotted path, e.g. {@code billing.prefetchh}
     */
    public static void requireKnownKeys(JsonObject config) {
        requireKnownKeys(config, defaults());
    }

    /** As {@link #requireKnownKeys(JsonObject)}, against other defaults (tests). */
    static void requireKnownKeys(JsonObject config, JsonObject defaults) {
        List<String> unknown = new ArrayList<>();
        collectUnknown(config, defaults, "", unknown);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(ConfigKeys.message(unknown));
        }
    }

    private static void collectUnknown(JsonObject json, JsonObject defaults, String path, List<String> unknown) {
        Set<String> known = new HashSet<>(defaults.fieldNames());
        known.addAll(OPTION_KEYS.getOrDefault(path, Set.of()));
        for (String key : json.fieldNames()) {
            String p = path.isEmpty() ? key : path + "." + key;
            if (!known.contains(key)) {
                unknown.add(p);
            } else if (json.getValue(key) instanceof JsonObject nested
                    && defaults.getValue(key) instanceof JsonObject nestedDefaults) {
                collectUnknown(nested, nestedDefaults, p, unknown);
            }
        }
        unknown.sort(null);
    }

    /**
     * @return {@code SEP_} variables that match no option and are none of the {@link #NON_OPTION_VARIABLES}, for a
     *         warning at start-up
     */
    public static List<String> unknownEnvironmentKeys(Map<String, String> env) {
        Set<String> known = new HashSet<>(NON_OPTION_VARIABLES);
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

    private static void collectEnvNames(JsonObject json, String path, Set<String> names) {
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
