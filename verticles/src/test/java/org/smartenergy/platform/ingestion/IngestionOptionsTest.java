package org.smartenergy.platform.ingestion;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.smartenergy.platform.domain.ValidationRules;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IngestionOptionsTest {

    @Test
    void absentKeysTakeTheDocumentedDefaults() {
        // GIVEN an empty (or missing) ingestion section WHEN parsed
        IngestionOptions options = IngestionOptions.fromJson(new JsonObject());
        // THEN every value is its default
        assertThat(options.batchMaxReadings()).isEqualTo(500);
        assertThat(options.batchMaxDelayMs()).isEqualTo(10);
        assertThat(options.confirmTimeoutMs()).isEqualTo(5000);
        assertThat(options.maxPendingReadings()).isEqualTo(20_000);
        assertThat(options.instances()).isZero();
        assertThat(options.effectiveInstances()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(options.validationRules()).isEqualTo(ValidationRules.DEFAULTS);
        assertThat(IngestionOptions.fromJson(null)).isEqualTo(options);
        assertThat(IngestionOptions.DEFAULTS).isEqualTo(options);
    }

    @Test
    void readsEveryKeyAndMapsValidationLimitsToRules() {
        JsonObject json = new JsonObject()
                .put("batchMaxReadings", 100).put("batchMaxDelayMs", 5).put("confirmTimeoutMs", 2000)
                .put("maxPendingReadings", 1000).put("maxPowerKw", 50.5).put("maxFutureSkew", "PT1M")
                .put("maxAge", "P30D").put("defaultIntervalSeconds", 60).put("minIntervalSeconds", 10)
                .put("maxIntervalSeconds", 3600).put("instances", 4);
        IngestionOptions options = IngestionOptions.fromJson(json);
        assertThat(options.batchMaxReadings()).isEqualTo(100);
        assertThat(options.batchMaxDelayMs()).isEqualTo(5);
        assertThat(options.confirmTimeoutMs()).isEqualTo(2000);
        assertThat(options.maxPendingReadings()).isEqualTo(1000);
        assertThat(options.instances()).isEqualTo(4);
        assertThat(options.validationRules()).isEqualTo(
                new ValidationRules(50.5, Duration.ofMinutes(1), Duration.ofDays(30), 60, 10, 3600));
        // and toJson is what fromJson reads
        assertThat(IngestionOptions.fromJson(options.toJson())).isEqualTo(options);
    }

    @Test
    void eachInstanceGetsAShareOfThePendingBudgetSoTheNodeBoundStays() {
        IngestionOptions node = IngestionOptions.fromJson(new JsonObject().put("maxPendingReadings", 20_000));
        assertThat(node.perInstance(4).maxPendingReadings()).isEqualTo(5_000);
        assertThat(node.perInstance(3).maxPendingReadings() * 3).isLessThanOrEqualTo(20_000);
        assertThat(node.perInstance(1)).isEqualTo(node);
        // a budget smaller than the instance count still lets each instance take one reading
        assertThat(IngestionOptions.fromJson(new JsonObject().put("maxPendingReadings", 2)).perInstance(4)
                .maxPendingReadings()).isEqualTo(1);
        assertThatThrownBy(() -> IngestionOptions.fromJson(new JsonObject().put("instances", -1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ingestion.instances");
    }

    @Test
    void refusesInvalidValuesNamingTheKey() {
        assertThatThrownBy(() -> IngestionOptions.fromJson(new JsonObject().put("batchMaxReadings", 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ingestion.batchMaxReadings");
        assertThatThrownBy(() -> IngestionOptions.fromJson(new JsonObject().put("batchMaxDelayMs", "ten")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ingestion.batchMaxDelayMs");
        assertThatThrownBy(() -> IngestionOptions.fromJson(new JsonObject().put("confirmTimeoutMs", -1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ingestion.confirmTimeoutMs");
        assertThatThrownBy(() -> IngestionOptions.fromJson(new JsonObject().put("maxPendingReadings", 1.5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ingestion.maxPendingReadings");
        assertThatThrownBy(() -> IngestionOptions.fromJson(new JsonObject().put("maxFutureSkew", "5 minutes")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ingestion.maxFutureSkew");
        assertThatThrownBy(() -> IngestionOptions.fromJson(new JsonObject().put("maxPowerKw", 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxPowerKw");
        assertThatThrownBy(() -> IngestionOptions.fromJson(new JsonObject().put("minIntervalSeconds", 1000)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minIntervalSeconds");
        assertThatThrownBy(() -> IngestionOptions.fromJson(
                new JsonObject().put("maxPendingReadings", 3_000_000_000L)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ingestion.maxPendingReadings");
    }
}
