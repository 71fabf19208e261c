package org.smartenergy.platform.gateway;

import com.google.protobuf.TextFormat;
import org.junit.jupiter.api.Test;
import org.smartenergy.platform.domain.tariff.WorkedExampleBills;
import org.smartenergy.proto.v1.Bill;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code energy.v1.Bill} as {@link BillCalls} answers it, mapped straight from the domain view. The expected messages
 * under {@code bills/} were written by the mapping this one replaced (view, then API JSON, then protobuf).
 */
class BillCallsProtoTest {

    @Test
    void anIssuedBillWithTaxesAndAnAdjustmentMapsToTheSameMessageAsThroughTheApiJsonBefore() throws Exception {
        // GIVEN the worked example's January, issued, with two taxes and December's correction
        // WHEN mapped to protobuf
        Bill bill = BillCalls.toProto(WorkedExampleBills.issuedJanuary());

        // THEN it is the message the JSON hop produced, every field included
        assertThat(bill).isEqualTo(expected("/bills/worked-example-issued.txtpb"));
        assertThat(bill.getStatus()).isEqualTo(Bill.Status.ISSUED);
        assertThat(bill.getAdjustments(0).getCorrectedPeriodStart()).isEqualTo("2025-12-01");
        assertThat(bill.getLines(0).getCorrectedPeriodStart()).isEmpty();
    }

    @Test
    void anOpenBillMapsToTheSameMessageAsBeforeWithAnEmptyIssuedAt() throws Exception {
        // GIVEN the worked example's February so far, WHEN mapped to protobuf
        Bill bill = BillCalls.toProto(WorkedExampleBills.openFebruary());

        // THEN it is the message the JSON hop produced: status OPEN, no issued time, no adjustment
        assertThat(bill).isEqualTo(expected("/bills/worked-example-open.txtpb"));
        assertThat(bill.getIssuedAt()).isEmpty();
        assertThat(bill.getAdjustmentsList()).isEmpty();
    }

    private static Bill expected(String resource) throws TextFormat.ParseException {
        Bill.Builder builder = Bill.newBuilder();
        TextFormat.merge(WorkedExampleBills.resource(resource), builder);
        return builder.build();
    }
}
