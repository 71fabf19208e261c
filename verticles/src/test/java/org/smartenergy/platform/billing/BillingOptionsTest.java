package org.smartenergy.platform.billing;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Parsing and validation of the {@code billing}, {@code mongo} and {@code redis} configuration sections. */
class BillingOptionsTest {

    @Test
    void absentSectionsTakeTheDocumentedDefaults() {
        // WHEN empty sections are parsed
        BillingOptions billing = BillingOptions.fromJson(new JsonObject());
        MongoSettings mongo = MongoSettings.fromJson(null);
        RedisSettings redis = RedisSettings.fromJson(new JsonObject());
        // THEN every value is its default
        assertThat(billing).isEqualTo(new BillingOptions(64, 200, 5000, "usage_hours", "sep:"));
        assertThat(mongo.toClientConfig()).isEqualTo(new JsonObject()
                .put("connection_string", "mongodb://127.0.0.1:27017/?w=majority&journal=true")
                .put("db_name", "energy")
                .put("serverSelectionTimeoutMS", 3000L)
                .put("connectTimeoutMS", 3000L));
        assertThat(redis.toRedisOptions().getEndpoint()).isEqualTo("redis://127.0.0.1:6379");
        assertThat(redis.toRedisOptions().getNetClientOptions().getConnectTimeout()).isEqualTo(500);
    }

    @Test
    void camelCaseKeysOverrideDefaults() {
        BillingOptions billing = BillingOptions.fromJson(new JsonObject()
                .put("prefetch", 4).put("storeRetryInitialBackoffMs", 10).put("storeRetryMaxBackoffMs", 20)
                .put("readingsCollection", "days").put("redisKeyPrefix", "x:"));
        assertThat(billing).isEqualTo(new BillingOptions(4, 10, 20, "days", "x:"));
    }

    @Test
    void invalidValuesAreRejectedAtStartup() {
        assertThatThrownBy(() -> BillingOptions.fromJson(new JsonObject().put("prefetch", 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prefetch");
        assertThatThrownBy(() -> BillingOptions.fromJson(new JsonObject()
                .put("storeRetryInitialBackoffMs", 1000).put("storeRetryMaxBackoffMs", 10)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BillingOptions.fromJson(new JsonObject().put("prefetch", "many")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MongoSettings.fromJson(new JsonObject().put("connectionString", "http://x")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RedisSettings.fromJson(new JsonObject().put("commandTimeoutMs", 0)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
