package org.smartenergy.platform.gateway;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

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
    void toStringNeverShowsTheSecret() {
        assertThat(GatewayOptions.withSecret(SECRET).toString()).doesNotContain(SECRET);
    }

    @Test
    void verticleRefusesToStartWithoutCollaborators(Vertx vertx, VertxTestContext testContext) {
        GatewayVerticle verticle = new GatewayVerticle(GatewayOptions.withSecret(SECRET).withPorts(0, 0),
                null, new InMemoryReadingStore(), new SimpleMeterRegistry());
        vertx.deployVerticle(verticle).onComplete(testContext.failing(t -> testContext.verify(() -> {
            assertThat(t).hasMessageContaining("device registry");
            testContext.completeNow();
        })));
    }
}
