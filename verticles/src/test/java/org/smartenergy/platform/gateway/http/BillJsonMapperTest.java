package org.smartenergy.platform.gateway.http;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.smartenergy.platform.domain.tariff.BillView;
import org.smartenergy.platform.domain.tariff.WorkedExampleBills;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator API's bill JSON. The expected texts under {@code bills/} were written by the renderer this mapper
 * replaced ({@code billing.bills.BillJson#view}, before bills reached the gateway as domain views), so they pin the
 * wire form: every field, its value and its order.
 */
class BillJsonMapperTest {

    @Test
    void anIssuedBillWithTaxesAndAnAdjustmentMapsToExactlyTheJsonTheApiAnsweredBefore() {
        // GIVEN the worked example's January, issued, with two taxes and December's correction
        BillView january = WorkedExampleBills.issuedJanuary();

        // WHEN mapped for the API
        JsonObject json = BillJsonMapper.toJson(january);

        // THEN the text is the one the previous renderer wrote, field for field and in the same order
        assertThat(json.encode()).isEqualTo(WorkedExampleBills.resource("/bills/worked-example-issued.json"));
        // AND the adjustment names the period it corrects
        assertThat(json.getJsonArray("adjustments").getJsonObject(0).getJsonObject("correctedPeriod"))
                .isEqualTo(new JsonObject().put("name", "2025-12").put("start", "2025-12-01").put("end", "2026-01-01"));
    }

    @Test
    void anOpenBillMapsToExactlyTheJsonTheApiAnsweredBeforeWithANullIssuedAt() {
        // GIVEN the worked example's February so far
        BillView february = WorkedExampleBills.openFebruary();

        // WHEN mapped for the API
        JsonObject json = BillJsonMapper.toJson(february);

        // THEN the text is the previous renderer's, status open and issuedAt present as null
        assertThat(json.encode()).isEqualTo(WorkedExampleBills.resource("/bills/worked-example-open.json"));
        assertThat(json.getString("status")).isEqualTo("open");
        assertThat(json.containsKey("issuedAt")).isTrue();
        assertThat(json.getValue("issuedAt")).isNull();
    }
}
