package org.smartenergy.platform.gateway;

import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.ingestion.IngestionApi;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Configuration of {@link GatewayVerticle}, read from the config section {@value #SECTION} (camelCase keys).
 *
 * @param host                 interface both servers bind to; default {@value #DEFAULT_HOST}
 * @param grpcPort             port of the device-facing gRPC server (plain HTTP/2, h2c); default
 *                             {@value #DEFAULT_GRPC_PORT}; 0 picks a free port ({@link GatewayVerticle#grpcPort()})
 * @param httpPort             port of the operator HTTP API and health checks; default {@value #DEFAULT_HTTP_PORT};
 *                             0 picks a free port ({@link GatewayVerticle#httpPort()})
 * @param maxUnackedPerStream  readings of one stream forwarded to ingestion but not yet acked; at this many the
 *                             stream is paused (HTTP/2 flow control reaches the logger), it resumes at half;
 *                             default {@value #DEFAULT_MAX_UNACKED_PER_STREAM}
 * @param ingestionTimeoutMs   event-bus request timeout for one request (one batch of readings); a timeout answers UNAVAILABLE; it must exceed
 *                             ingestion's own broker-confirm timeout; default {@value #DEFAULT_INGESTION_TIMEOUT_MS}
 * @param tokenCacheMaxSize    device-token hashes kept in the authentication cache; default
 *                             {@value #DEFAULT_TOKEN_CACHE_MAX_SIZE}
 * @param tokenCacheTtlSeconds how long a known token stays cached; default {@value #DEFAULT_TOKEN_CACHE_TTL_SECONDS}
 *                             (unknown tokens are cached for at most {@link DeviceAuthenticator#NEGATIVE_TTL})
 * @param jwtSecret            HS256 secret verifying operator JWTs; no default: required, at least
 *                             {@value #MIN_JWT_SECRET_LENGTH} characters
 * @param jwtIssuer            issuer operator JWTs must carry (and minted tokens get); default
 *                             {@value #DEFAULT_JWT_ISSUER}
 * @param ingestionBatchMaxReadings readings (of any streams and devices) a gateway instance hands to ingestion in
 *                             one event-bus request at most: the request is sent when it holds this many ...;
 *                             default {@value #DEFAULT_INGESTION_BATCH_MAX_READINGS}, 1 to
 *                             {@link org.smartenergy.platform.ingestion.IngestionApi#MAX_BATCH_READINGS}
 * @param ingestionBatchMaxDelayMs ... or this many milliseconds after its first reading; 0 sends it at the end of
 *                             the current event-loop turn (the readings decoded together); default
 *                             {@value #DEFAULT_INGESTION_BATCH_MAX_DELAY_MS}, at most
 *                             {@value #MAX_INGESTION_BATCH_MAX_DELAY_MS}. It adds at most this to an ack's latency.
 * @param instances            gateway verticle instances on a node (each on its own event loop, sharing the gRPC and
 *                             HTTP ports); 0 = one per CPU core ({@link #effectiveInstances()}); default
 *                             {@value #DEFAULT_INSTANCES}
 * @param tls                  TLS of the gateway's two servers (section {@code gateway.tls}, see {@link GatewayTls}); without
 *                             a certificate ({@link GatewayTls#enabled()} false) both servers speak plain text as before
 * @param grpcReflection       whether the gRPC port serves {@code grpc.reflection.v1.ServerReflection} (and its
 *                             {@code v1alpha} alias), unauthenticated; default {@value #DEFAULT_GRPC_REFLECTION}
 * @param maxConcurrentStreamsPerConnection gRPC calls one client connection may have open at once (the gRPC
 *                             server's HTTP/2 {@code SETTINGS_MAX_CONCURRENT_STREAMS}); a client holding that many
 *                             queues further calls until one ends. Vert.x's own default is 100, which made every
 *                             stream beyond the hundredth on a connection (a concentrator multiplexing its meters,
 *                             a load generator) wait for another to end; default
 *                             {@value #DEFAULT_MAX_CONCURRENT_STREAMS_PER_CONNECTION}, 1 to {@link Integer#MAX_VALUE}
 */
public record GatewayOptions(String host, int grpcPort, int httpPort, int maxUnackedPerStream,
                             long ingestionTimeoutMs, long tokenCacheMaxSize, long tokenCacheTtlSeconds,
                             String jwtSecret, String jwtIssuer, int ingestionBatchMaxReadings,
                             long ingestionBatchMaxDelayMs, int instances, GatewayTls tls, boolean grpcReflection,
                             long maxConcurrentStreamsPerConnection) {

    /** The config section holding these options. */
    public static final String SECTION = "gateway";
    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final int DEFAULT_GRPC_PORT = 50051;
    public static final int DEFAULT_HTTP_PORT = 8080;
    public static final int DEFAULT_MAX_UNACKED_PER_STREAM = 256;
    public static final long DEFAULT_INGESTION_TIMEOUT_MS = 15_000;
    public static final long DEFAULT_TOKEN_CACHE_MAX_SIZE = 100_000;
    public static final long DEFAULT_TOKEN_CACHE_TTL_SECONDS = 300;
    public static final String DEFAULT_JWT_ISSUER = "smart-energy-platform";
    public static final int DEFAULT_INGESTION_BATCH_MAX_READINGS = 256;
    public static final long DEFAULT_INGESTION_BATCH_MAX_DELAY_MS = 1;
    /** Longest batching delay accepted: batching is about turns of the event loop, not about waiting. */
    public static final long MAX_INGESTION_BATCH_MAX_DELAY_MS = 1_000;
    public static final int DEFAULT_INSTANCES = 0;
    /** Most instances accepted (far more than any event-loop pool). */
    public static final int MAX_INSTANCES = 1_024;
    /** 32 characters: HS256 wants a key of at least 256 bits. */
    public static final int MIN_JWT_SECRET_LENGTH = 32;
    public static final boolean DEFAULT_GRPC_REFLECTION = true;
    public static final long DEFAULT_MAX_CONCURRENT_STREAMS_PER_CONNECTION = 10_000;

    /** Every key of the {@value #SECTION} section; any other is refused. */
    public static final Set<String> KEYS = Set.of("host", "grpcPort", "httpPort", "maxUnackedPerStream",
            "ingestionTimeoutMs", "tokenCacheMaxSize", "tokenCacheTtlSeconds", "jwtSecret", "jwtIssuer",
            "ingestionBatchMaxReadings", "ingestionBatchMaxDelayMs", "instances", "tls", "grpcReflection",
            "maxConcurrentStreamsPerConnection");
    /** Every key of the {@code gateway.tls} section; any other is refused. */
    public static final Set<String> TLS_KEYS = Set.of("certPath", "keyPath", "clientCaPath", "clientAuth");

    /** Validates; every problem is named in one {@link IllegalArgumentException} message. */
    public GatewayOptions {
        List<String> problems = new ArrayList<>();
        if (host == null || host.isBlank()) {
            problems.add("gateway.host must not be empty");
        }
        checkPort(problems, "grpcPort", grpcPort);
        checkPort(problems, "httpPort", httpPort);
        if (maxUnackedPerStream < 2) {
            problems.add("gateway.maxUnackedPerStream must be >= 2, was " + maxUnackedPerStream);
        }
        if (ingestionTimeoutMs < 1) {
            problems.add("gateway.ingestionTimeoutMs must be >= 1, was " + ingestionTimeoutMs);
        }
        if (tokenCacheMaxSize < 0) {
            problems.add("gateway.tokenCacheMaxSize must be >= 0, was " + tokenCacheMaxSize);
        }
        if (tokenCacheTtlSeconds < 1) {
            problems.add("gateway.tokenCacheTtlSeconds must be >= 1, was " + tokenCacheTtlSeconds);
        }
        if (jwtSecret == null || jwtSecret.isBlank()) {
            problems.add("gateway.jwtSecret is required (the HS256 secret for operator tokens, at least "
                    + MIN_JWT_SECRET_LENGTH + " characters)");
        } else if (jwtSecret.length() < MIN_JWT_SECRET_LENGTH) {
            problems.add("gateway.jwtSecret must be at least " + MIN_JWT_SECRET_LENGTH + " characters, was "
                    + jwtSecret.length());
        }
        if (jwtIssuer == null || jwtIssuer.isBlank()) {
            problems.add("gateway.jwtIssuer must not be empty");
        }
        if (ingestionBatchMaxReadings < 1 || ingestionBatchMaxReadings > IngestionApi.MAX_BATCH_READINGS) {
            problems.add("gateway.ingestionBatchMaxReadings must be 1.." + IngestionApi.MAX_BATCH_READINGS + ", was "
                    + ingestionBatchMaxReadings);
        }
        if (ingestionBatchMaxDelayMs < 0 || ingestionBatchMaxDelayMs > MAX_INGESTION_BATCH_MAX_DELAY_MS) {
            problems.add("gateway.ingestionBatchMaxDelayMs must be 0.." + MAX_INGESTION_BATCH_MAX_DELAY_MS
                    + " (0 = end of the event-loop turn), was " + ingestionBatchMaxDelayMs);
        }
        if (instances < 0 || instances > MAX_INSTANCES) {
            problems.add("gateway.instances must be 0.." + MAX_INSTANCES + " (0 = one per CPU core), was "
                    + instances);
        }
        if (maxConcurrentStreamsPerConnection < 1 || maxConcurrentStreamsPerConnection > Integer.MAX_VALUE) {
            problems.add("gateway.maxConcurrentStreamsPerConnection must be 1.." + Integer.MAX_VALUE + ", was "
                    + maxConcurrentStreamsPerConnection);
        }
        if (tls == null) {
            problems.add("gateway.tls must not be null (GatewayTls.NONE for plain text)");
        } else {
            problems.addAll(tls.problems());
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid gateway configuration: " + String.join("; ", problems));
        }
    }

    /** @return every key of the {@value #SECTION} section; {@link #fromJson} refuses any other */
    public static Set<String> knownKeys() {
        return KEYS;
    }

    /** @return the defaults with the given secret (which is still validated) */
    public static GatewayOptions withSecret(String jwtSecret) {
        return fromJson(new JsonObject().put("jwtSecret", jwtSecret));
    }

    /**
     * Reads the options from the {@value #SECTION} section (pass the section itself, not the whole config).
     *
     * @throws IllegalArgumentException naming every invalid or unknown key
     */
    public static GatewayOptions fromJson(JsonObject json) {
        JsonObject section = json == null ? new JsonObject() : json;
        List<String> unknown = section.fieldNames().stream().filter(k -> !KEYS.contains(k)).sorted().toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("invalid gateway configuration: unknown keys " + unknown);
        }
        return new GatewayOptions(
                string(section, "host", DEFAULT_HOST),
                (int) number(section, "grpcPort", DEFAULT_GRPC_PORT),
                (int) number(section, "httpPort", DEFAULT_HTTP_PORT),
                (int) number(section, "maxUnackedPerStream", DEFAULT_MAX_UNACKED_PER_STREAM),
                number(section, "ingestionTimeoutMs", DEFAULT_INGESTION_TIMEOUT_MS),
                number(section, "tokenCacheMaxSize", DEFAULT_TOKEN_CACHE_MAX_SIZE),
                number(section, "tokenCacheTtlSeconds", DEFAULT_TOKEN_CACHE_TTL_SECONDS),
                string(section, "jwtSecret", null),
                string(section, "jwtIssuer", DEFAULT_JWT_ISSUER),
                (int) number(section, "ingestionBatchMaxReadings", DEFAULT_INGESTION_BATCH_MAX_READINGS),
                number(section, "ingestionBatchMaxDelayMs", DEFAULT_INGESTION_BATCH_MAX_DELAY_MS),
                (int) number(section, "instances", DEFAULT_INSTANCES),
                GatewayTls.fromJson(section.getValue("tls")),
                bool(section, "grpcReflection", DEFAULT_GRPC_REFLECTION),
                number(section, "maxConcurrentStreamsPerConnection", DEFAULT_MAX_CONCURRENT_STREAMS_PER_CONNECTION));
    }

    /** @return the number of instances to deploy: {@link #instances()}, or the CPU cores when it is 0 */
    public int effectiveInstances() {
        return instances > 0 ? instances : Runtime.getRuntime().availableProcessors();
    }

    /** @return these options with other ports (tests and the launcher use 0 for ephemeral ports) */
    public GatewayOptions withPorts(int grpcPort, int httpPort) {
        return new GatewayOptions(host, grpcPort, httpPort, maxUnackedPerStream, ingestionTimeoutMs,
                tokenCacheMaxSize, tokenCacheTtlSeconds, jwtSecret, jwtIssuer, ingestionBatchMaxReadings,
                ingestionBatchMaxDelayMs, instances, tls, grpcReflection, maxConcurrentStreamsPerConnection);
    }

    /** @return these options with another per-stream limit */
    public GatewayOptions withMaxUnackedPerStream(int maxUnacked) {
        return new GatewayOptions(host, grpcPort, httpPort, maxUnacked, ingestionTimeoutMs,
                tokenCacheMaxSize, tokenCacheTtlSeconds, jwtSecret, jwtIssuer, ingestionBatchMaxReadings,
                ingestionBatchMaxDelayMs, instances, tls, grpcReflection, maxConcurrentStreamsPerConnection);
    }

    /** @return these options with another ingestion timeout */
    public GatewayOptions withIngestionTimeoutMs(long timeoutMs) {
        return new GatewayOptions(host, grpcPort, httpPort, maxUnackedPerStream, timeoutMs,
                tokenCacheMaxSize, tokenCacheTtlSeconds, jwtSecret, jwtIssuer, ingestionBatchMaxReadings,
                ingestionBatchMaxDelayMs, instances, tls, grpcReflection, maxConcurrentStreamsPerConnection);
    }

    /** @return these options with another hand-over batching (readings per request, delay) */
    public GatewayOptions withIngestionBatching(int maxReadings, long maxDelayMs) {
        return new GatewayOptions(host, grpcPort, httpPort, maxUnackedPerStream, ingestionTimeoutMs,
                tokenCacheMaxSize, tokenCacheTtlSeconds, jwtSecret, jwtIssuer, maxReadings, maxDelayMs, instances, tls,
                grpcReflection, maxConcurrentStreamsPerConnection);
    }

    /** @return these options with another TLS setting ({@link GatewayTls#NONE}: plain text) */
    public GatewayOptions withTls(GatewayTls tls) {
        return new GatewayOptions(host, grpcPort, httpPort, maxUnackedPerStream, ingestionTimeoutMs,
                tokenCacheMaxSize, tokenCacheTtlSeconds, jwtSecret, jwtIssuer, ingestionBatchMaxReadings,
                ingestionBatchMaxDelayMs, instances, tls, grpcReflection, maxConcurrentStreamsPerConnection);
    }

    /** @return these options with gRPC server reflection switched on or off */
    public GatewayOptions withGrpcReflection(boolean enabled) {
        return new GatewayOptions(host, grpcPort, httpPort, maxUnackedPerStream, ingestionTimeoutMs,
                tokenCacheMaxSize, tokenCacheTtlSeconds, jwtSecret, jwtIssuer, ingestionBatchMaxReadings,
                ingestionBatchMaxDelayMs, instances, tls, enabled, maxConcurrentStreamsPerConnection);
    }

    /** @return these options with another limit of concurrent gRPC calls per connection */
    public GatewayOptions withMaxConcurrentStreamsPerConnection(long maxStreams) {
        return new GatewayOptions(host, grpcPort, httpPort, maxUnackedPerStream, ingestionTimeoutMs,
                tokenCacheMaxSize, tokenCacheTtlSeconds, jwtSecret, jwtIssuer, ingestionBatchMaxReadings,
                ingestionBatchMaxDelayMs, instances, tls, grpcReflection, maxStreams);
    }

    /** Never prints the secret. */
    @Override
    public String toString() {
        return "GatewayOptions[host=" + host + ", grpcPort=" + grpcPort + ", httpPort=" + httpPort
                + ", maxUnackedPerStream=" + maxUnackedPerStream + ", ingestionTimeoutMs=" + ingestionTimeoutMs
                + ", tokenCacheMaxSize=" + tokenCacheMaxSize + ", tokenCacheTtlSeconds=" + tokenCacheTtlSeconds
                + ", jwtSecret=***, jwtIssuer=" + jwtIssuer + ", ingestionBatchMaxReadings=" + ingestionBatchMaxReadings
                + ", ingestionBatchMaxDelayMs=" + ingestionBatchMaxDelayMs + ", instances=" + instances
                + ", tls=" + tls + ", grpcReflection=" + grpcReflection
                + ", maxConcurrentStreamsPerConnection=" + maxConcurrentStreamsPerConnection + "]";
    }

    private static void checkPort(List<String> problems, String key, int port) {
        if (port < 0 || port > 65_535) {
            problems.add("gateway." + key + " must be 0..65535 (0 = any free port), was " + port);
        }
    }

    private static boolean bool(JsonObject json, String key, boolean fallback) {
        Object value = json.getValue(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        if (value instanceof String s && (s.trim().equalsIgnoreCase("true") || s.trim().equalsIgnoreCase("false"))) {
            return Boolean.parseBoolean(s.trim());
        }
        throw new IllegalArgumentException("invalid gateway configuration: gateway." + key
                + " must be true or false, was " + value);
    }

    private static String string(JsonObject json, String key, String fallback) {
        Object value = json.getValue(key);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof String s)) {
            throw new IllegalArgumentException("invalid gateway configuration: gateway." + key
                    + " must be a string");
        }
        return s;
    }

    private static long number(JsonObject json, String key, long fallback) {
        Object value = json.getValue(key);
        long result;
        if (value == null) {
            return fallback;
        } else if (value instanceof String s) {
            // environment variables layered onto the config arrive as strings
            try {
                result = Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid gateway configuration: gateway." + key
                        + " must be an integer, was '" + s + "'");
            }
        } else if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            result = n.longValue();
        } else {
            throw new IllegalArgumentException("invalid gateway configuration: gateway." + key
                    + " must be an integer, was " + value);
        }
        boolean intKey = key.endsWith("Port") || key.equals("maxUnackedPerStream")
                || key.equals("ingestionBatchMaxReadings") || key.equals("instances");
        if (intKey && (result > Integer.MAX_VALUE || result < Integer.MIN_VALUE)) {
            throw new IllegalArgumentException("invalid gateway configuration: gateway." + key
                    + " is out of range: " + result);
        }
        return result;
    }
}
