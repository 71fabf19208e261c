package org.smartenergy.platform.gateway;

import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * TLS of the gateway's servers, section {@code gateway.tls}. The certificate and key serve both the gRPC port
 * (ALPN {@code h2}) and the operator HTTP port (HTTPS, HTTP/1.1); client-certificate verification applies to the
 * gRPC port only (loggers), operators authenticate with JWTs. An empty or missing path means "not set".
 *
 * @param certPath     PEM certificate chain of the server (leaf first); required when {@code keyPath} is set
 * @param keyPath      unencrypted PEM private key of {@code certPath} (PKCS#8 {@code BEGIN PRIVATE KEY});
 *                     required when {@code certPath} is set
 * @param clientCaPath PEM file of the CA certificate(s) a logger's client certificate must chain to; required
 *                     when {@code clientAuth} is not {@code none}, refused when it is
 * @param clientAuth   {@code none} (default), {@code request} or {@code required} (case-insensitive)
 */
public record GatewayTls(String certPath, String keyPath, String clientCaPath, ClientAuth clientAuth) {

    /** Whether the gRPC server asks loggers for a client certificate ({@code gateway.tls.clientAuth}). */
    public enum ClientAuth {
        /** no client certificate is asked for (default) */
        NONE,
        /** a client certificate is asked for and verified against {@code clientCaPath} when sent; none is fine */
        REQUEST,
        /** the TLS handshake fails without a client certificate signed by a CA of {@code clientCaPath} */
        REQUIRED
    }

    /** Plain text: no certificate. */
    public static final GatewayTls NONE = new GatewayTls(null, null, null, ClientAuth.NONE);

    public GatewayTls {
        certPath = blankToNull(certPath);
        keyPath = blankToNull(keyPath);
        clientCaPath = blankToNull(clientCaPath);
        clientAuth = clientAuth == null ? ClientAuth.NONE : clientAuth;
    }

    /** @return a server certificate without client-certificate verification */
    public static GatewayTls server(String certPath, String keyPath) {
        return new GatewayTls(certPath, keyPath, null, ClientAuth.NONE);
    }

    /** @return whether the servers speak TLS (a certificate is configured) */
    public boolean enabled() {
        return certPath != null;
    }

    /** @return what is wrong with this setting (missing halves, unreadable files), empty when nothing */
    List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (certPath != null && keyPath == null) {
            problems.add("gateway.tls.keyPath is required when gateway.tls.certPath is set");
        }
        if (keyPath != null && certPath == null) {
            problems.add("gateway.tls.certPath is required when gateway.tls.keyPath is set");
        }
        if (clientAuth != ClientAuth.NONE && clientCaPath == null) {
            problems.add("gateway.tls.clientCaPath is required when gateway.tls.clientAuth is "
                    + clientAuth.name().toLowerCase(Locale.ROOT));
        }
        if (clientCaPath != null && clientAuth == ClientAuth.NONE) {
            problems.add("gateway.tls.clientCaPath is set but gateway.tls.clientAuth is none"
                    + " (set it to request or required)");
        }
        if (clientCaPath != null && certPath == null) {
            problems.add("gateway.tls.clientCaPath needs gateway.tls.certPath and keyPath (client"
                    + " certificates are verified only over TLS)");
        }
        checkReadable(problems, "certPath", certPath);
        checkReadable(problems, "keyPath", keyPath);
        checkReadable(problems, "clientCaPath", clientCaPath);
        return problems;
    }

    private static void checkReadable(List<String> problems, String key, String path) {
        if (path != null && !Files.isReadable(Path.of(path))) {
            problems.add("gateway.tls." + key + " is not a readable file: " + path);
        } else if (path != null && Files.isDirectory(Path.of(path))) {
            problems.add("gateway.tls." + key + " is a directory, not a PEM file: " + path);
        }
    }

    static GatewayTls fromJson(Object value) {
        if (value == null) {
            return NONE;
        }
        if (!(value instanceof JsonObject json)) {
            throw new IllegalArgumentException("invalid gateway configuration: gateway.tls must be an object"
                    + " {certPath, keyPath, clientCaPath, clientAuth}");
        }
        List<String> unknown = json.fieldNames().stream().filter(k -> !GatewayOptions.TLS_KEYS.contains(k)).sorted().toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("invalid gateway configuration: unknown keys in gateway.tls "
                    + unknown);
        }
        String auth = tlsString(json, "clientAuth");
        ClientAuth clientAuth;
        try {
            clientAuth = auth == null || auth.isBlank() ? ClientAuth.NONE
                    : ClientAuth.valueOf(auth.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid gateway configuration: gateway.tls.clientAuth must be"
                    + " none, request or required, was '" + auth + "'");
        }
        return new GatewayTls(tlsString(json, "certPath"), tlsString(json, "keyPath"), tlsString(json, "clientCaPath"),
                clientAuth);
    }

    private static String tlsString(JsonObject json, String key) {
        Object value = json.getValue(key);
        if (value != null && !(value instanceof String)) {
            throw new IllegalArgumentException("invalid gateway configuration: gateway.tls." + key
                    + " must be a string");
        }
        return (String) value;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    @Override
    public String toString() {
        return enabled() ? "Tls[certPath=" + certPath + ", keyPath=" + keyPath + ", clientCaPath=" + clientCaPath
                + ", clientAuth=" + clientAuth.name().toLowerCase(Locale.ROOT) + "]" : "none";
    }
}
