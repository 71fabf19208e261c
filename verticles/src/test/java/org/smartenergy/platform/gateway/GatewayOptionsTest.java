package org.smartenergy.platform.gateway;

import org.smartenergy.platform.gateway.http.OperatorRouter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Parsing and validation of the {@code gateway} config section, and refusal to start without collaborators. */
@ExtendWith(VertxExtension.class)
class GatewayOptionsTest {

    private static final String SECRET = "0123456789abcdef0123456789abcdef";

    @Test
    void defaultsApplyWhenOnlyTheSecretIsGiven() {
        GatewayOptions options = GatewayOptions.fromJson(new JsonObject().put("jwtSecret", SECRET));
        assertThat(options.host()).isEqualTo("0.0.0.0");
        assertThat(options.grpcPort()).isEqualTo(50051);
        assertThat(options.httpPort()).isEqualTo(8080);
        assertThat(options.maxUnackedPerStream()).isEqualTo(256);
        assertThat(options.ingestionTimeoutMs()).isEqualTo(15_000);
        assertThat(options.tokenCacheMaxSize()).isEqualTo(100_000);
        assertThat(options.tokenCacheTtlSeconds()).isEqualTo(300);
        assertThat(options.jwtIssuer()).isEqualTo("smart-energy-platform");
        assertThat(options.ingestionBatchMaxReadings()).isEqualTo(256);
        assertThat(options.ingestionBatchMaxDelayMs()).isEqualTo(1);
        assertThat(options.instances()).isZero();
        assertThat(options.effectiveInstances()).isEqualTo(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void batchingAndInstancesAreReadAndValidated() {
        GatewayOptions options = GatewayOptions.fromJson(new JsonObject().put("jwtSecret", SECRET)
                .put("ingestionBatchMaxReadings", "64").put("ingestionBatchMaxDelayMs", 0).put("instances", 3));
        assertThat(options.ingestionBatchMaxReadings()).isEqualTo(64);
        assertThat(options.ingestionBatchMaxDelayMs()).isZero();
        assertThat(options.effectiveInstances()).isEqualTo(3);
        assertThatThrownBy(() -> GatewayOptions.fromJson(new JsonObject().put("jwtSecret", SECRET)
                .put("ingestionBatchMaxReadings", 0).put("ingestionBatchMaxDelayMs", -1).put("instances", -2)))
                .hasMessageContaining("gateway.ingestionBatchMaxReadings must be 1..10000")
                .hasMessageContaining("gateway.ingestionBatchMaxDelayMs must be 0..1000")
                .hasMessageContaining("gateway.instances must be 0..1024");
        assertThatThrownBy(() -> GatewayOptions.fromJson(new JsonObject().put("jwtSecret", SECRET)
                .put("ingestionBatchMaxReadings", 10_001)))
                .hasMessageContaining("gateway.ingestionBatchMaxReadings");
    }

    @Test
    void valuesAreReadFromCamelCaseKeysIncludingStringsFromEnvironment() {
        GatewayOptions options = GatewayOptions.fromJson(new JsonObject()
                .put("jwtSecret", SECRET).put("host", "127.0.0.1").put("grpcPort", "6000").put("httpPort", 0)
                .put("maxUnackedPerStream", 64).put("ingestionTimeoutMs", 500).put("jwtIssuer", "me"));
        assertThat(options.host()).isEqualTo("127.0.0.1");
        assertThat(options.grpcPort()).isEqualTo(6000);
        assertThat(options.httpPort()).isZero();
        assertThat(options.maxUnackedPerStream()).isEqualTo(64);
        assertThat(options.ingestionTimeoutMs()).isEqualTo(500);
        assertThat(options.jwtIssuer()).isEqualTo("me");
    }

    @Test
    void concurrentStreamsPerConnectionDefaultToTenThousandAndAreValidated() {
        assertThat(GatewayOptions.withSecret(SECRET).maxConcurrentStreamsPerConnection()).isEqualTo(10_000);
        assertThat(GatewayOptions.fromJson(new JsonObject().put("jwtSecret", SECRET)
                .put("maxConcurrentStreamsPerConnection", "500")).maxConcurrentStreamsPerConnection()).isEqualTo(500);
        assertThatThrownBy(() -> GatewayOptions.fromJson(new JsonObject().put("jwtSecret", SECRET)
                .put("maxConcurrentStreamsPerConnection", 0)))
                .hasMessageContaining("gateway.maxConcurrentStreamsPerConnection must be 1..2147483647, was 0");
        assertThatThrownBy(() -> GatewayOptions.fromJson(new JsonObject().put("jwtSecret", SECRET)
                .put("maxConcurrentStreamsPerConnection", 4_294_967_296L)))
                .hasMessageContaining("gateway.maxConcurrentStreamsPerConnection must be 1..2147483647");
    }

    @Test
    void missingOrShortSecretIsRefusedWithAClearMessage() {
        assertThatThrownBy(() -> GatewayOptions.fromJson(new JsonObject()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gateway.jwtSecret is required");
        assertThatThrownBy(() -> GatewayOptions.fromJson(new JsonObject().put("jwtSecret", "short")))
                .hasMessageContaining("at least 32 characters");
    }

    @Test
    void invalidValuesAreAllNamed() {
        assertThatThrownBy(() -> GatewayOptions.fromJson(new JsonObject().put("jwtSecret", SECRET)
                .put("grpcPort", 70_000).put("maxUnackedPerStream", 0)))
                .hasMessageContaining("gateway.grpcPort").hasMessageContaining("gateway.maxUnackedPerStream");
        assertThatThrownBy(() -> GatewayOptions.fromJson(new JsonObject().put("jwtSecret", SECRET)
                .put("httpPort", "eighty")))
                .hasMessageContaining("gateway.httpPort must be an integer");
        assertThatThrownBy(() -> GatewayOptions.fromJson(new JsonObject().put("jwtSecret", SECRET)
                .put("grpcport", 1)))
                .hasMessageContaining("unknown keys [grpcport]");
    }

    @Test
    void withoutTlsKeysBothServersArePlainTextAndReflectionIsOn() {
        GatewayOptions options = GatewayOptions.withSecret(SECRET);
        assertThat(options.tls().enabled()).isFalse();
        assertThat(options.tls().clientAuth()).isEqualTo(GatewayTls.ClientAuth.NONE);
        assertThat(options.grpcReflection()).isTrue();
        assertThat(GatewayVerticle.grpcServerOptions(options).isSsl()).isFalse();
        assertThat(GatewayVerticle.httpServerOptions(options).isSsl()).isFalse();
    }

    @Test
    void theDefaultsFileLeavesTlsOffWithEmptyPaths() {
        // the shipped defaults carry empty strings (so SEP_GATEWAY_TLS_CERT_PATH can set them): empty = not set
        JsonObject defaults = org.smartenergy.platform.node.ConfigLoader.defaults().getJsonObject("gateway");
        GatewayOptions options = GatewayOptions.fromJson(defaults.copy().put("jwtSecret", SECRET));
        assertThat(options.tls().enabled()).isFalse();
        assertThat(options.tls().certPath()).isNull();
        assertThat(options.grpcReflection()).isTrue();
    }

    @Test
    void tlsPathsAndClientAuthAreReadAndSetUpTheServers(@TempDir Path dir) throws IOException {
        Path cert = Files.writeString(dir.resolve("cert.pem"), "x");
        Path key = Files.writeString(dir.resolve("key.pem"), "x");
        Path ca = Files.writeString(dir.resolve("ca.pem"), "x");
        GatewayOptions options = GatewayOptions.fromJson(new JsonObject().put("jwtSecret", SECRET)
                .put("grpcReflection", "false")
                .put("tls", new JsonObject().put("certPath", cert.toString()).put("keyPath", key.toString())
                        .put("clientCaPath", ca.toString()).put("clientAuth", "Required")));
        assertThat(options.grpcReflection()).isFalse();
        assertThat(options.tls().enabled()).isTrue();
        assertThat(options.tls().clientAuth()).isEqualTo(GatewayTls.ClientAuth.REQUIRED);

        var grpc = GatewayVerticle.grpcServerOptions(options);
        assertThat(grpc.isSsl()).isTrue();
        assertThat(grpc.isUseAlpn()).isTrue();
        assertThat(grpc.getAlpnVersions()).containsExactly(io.vertx.core.http.HttpVersion.HTTP_2);
        assertThat(grpc.getClientAuth()).isEqualTo(io.vertx.core.http.ClientAuth.REQUIRED);
        var http = GatewayVerticle.httpServerOptions(options);
        assertThat(http.isSsl()).isTrue();
        assertThat(http.getAlpnVersions()).containsExactly(io.vertx.core.http.HttpVersion.HTTP_1_1);
        assertThat(http.getClientAuth()).isEqualTo(io.vertx.core.http.ClientAuth.NONE);
    }

    @Test
    void halfATlsSettingOrAnUnreadableFileIsRefusedNamingTheKey(@TempDir Path dir) throws IOException {
        Path cert = Files.writeString(dir.resolve("cert.pem"), "x");
        assertThatThrownBy(() -> tls(new JsonObject().put("certPath", cert.toString())))
                .hasMessageContaining("gateway.tls.keyPath is required when gateway.tls.certPath is set");
        assertThatThrownBy(() -> tls(new JsonObject().put("keyPath", cert.toString())))
                .hasMessageContaining("gateway.tls.certPath is required when gateway.tls.keyPath is set");
        assertThatThrownBy(() -> tls(new JsonObject().put("certPath", cert.toString())
                .put("keyPath", dir.resolve("missing.pem").toString())))
                .hasMessageContaining("gateway.tls.keyPath is not a readable file: " + dir.resolve("missing.pem"));
        assertThatThrownBy(() -> tls(new JsonObject().put("certPath", dir.toString()).put("keyPath", cert.toString())))
                .hasMessageContaining("gateway.tls.certPath is a directory");
        assertThatThrownBy(() -> tls(new JsonObject().put("certPath", cert.toString()).put("keyPath", cert.toString())
                .put("clientAuth", "required")))
                .hasMessageContaining("gateway.tls.clientCaPath is required when gateway.tls.clientAuth is required");
        assertThatThrownBy(() -> tls(new JsonObject().put("certPath", cert.toString()).put("keyPath", cert.toString())
                .put("clientCaPath", cert.toString())))
                .hasMessageContaining("gateway.tls.clientCaPath is set but gateway.tls.clientAuth is none");
        assertThatThrownBy(() -> tls(new JsonObject().put("clientCaPath", cert.toString()).put("clientAuth", "request")))
                .hasMessageContaining("gateway.tls.clientCaPath needs gateway.tls.certPath");
        assertThatThrownBy(() -> tls(new JsonObject().put("clientAuth", "sometimes")))
                .hasMessageContaining("gateway.tls.clientAuth must be none, request or required, was 'sometimes'");
        assertThatThrownBy(() -> tls(new JsonObject().put("cert", cert.toString())))
                .hasMessageContaining("unknown keys in gateway.tls [cert]");
        assertThatThrownBy(() -> GatewayOptions.fromJson(new JsonObject().put("jwtSecret", SECRET).put("tls", "on")))
                .hasMessageContaining("gateway.tls must be an object");
        assertThatThrownBy(() -> GatewayOptions.fromJson(new JsonObject().put("jwtSecret", SECRET)
                .put("grpcReflection", "yes")))
                .hasMessageContaining("gateway.grpcReflection must be true or false");
    }

    private static GatewayOptions tls(JsonObject tls) {
        return GatewayOptions.fromJson(new JsonObject().put("jwtSecret", SECRET).put("tls", tls));
    }

    @Test
    void toStringNeverShowsTheSecret() {
        assertThat(GatewayOptions.withSecret(SECRET).toString()).doesNotContain(SECRET);
    }

    @Test
    void verticleRefusesToStartWithoutCollaborators(Vertx vertx, VertxTestContext testContext) {
        GatewayVerticle verticle = new GatewayVerticle(OperatorRouter::serve,
                GatewayOptions.withSecret(SECRET).withPorts(0, 0),
                null, new InMemoryReadingStore(), new SimpleMeterRegistry());
        vertx.deployVerticle(verticle).onComplete(testContext.failing(t -> testContext.verify(() -> {
            assertThat(t).hasMessageContaining("device registry");
            testContext.completeNow();
        })));
    }
}
