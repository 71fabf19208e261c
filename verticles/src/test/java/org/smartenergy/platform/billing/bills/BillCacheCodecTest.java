package org.smartenergy.platform.billing.bills;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.smartenergy.platform.domain.tariff.BillView;
import org.smartenergy.platform.domain.tariff.WorkedExampleBills;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What {@link BillCache} stores in Redis: the view round-trips, and the stored text is the one written before. */
class BillCacheCodecTest {

    @Test
    void anIssuedBillWithTaxesAndAnAdjustmentComesBackAsTheSameView() {
        // GIVEN the worked example's January, issued, with two taxes and December's correction
        BillView january = WorkedExampleBills.issuedJanuary();

        // WHEN encoded and decoded
        BillView decoded = BillCacheCodec.decode(BillCacheCodec.encode(january));

        // THEN it is the same view: device, status, issued time, every line and the corrected period
        assertThat(decoded).isEqualTo(january);
        assertThat(decoded.correctedPeriods()).isEqualTo(january.correctedPeriods()).hasSize(1);
    }

    @Test
    void anOpenBillComesBackAsTheSameView() {
        BillView february = WorkedExampleBills.openFebruary();

        assertThat(BillCacheCodec.decode(BillCacheCodec.encode(february))).isEqualTo(february);
    }

    @Test
    void theStoredEntryIsTheTextCachedBeforeTheCacheHadItsOwnCodec() {
        // GIVEN entries written by the previous version of billing (the API JSON of the bill), WHEN read
        String stored = WorkedExampleBills.resource("/bills/worked-example-issued.json");

        // THEN they decode into the bill they were written for, and a bill is written as exactly that text
        assertThat(BillCacheCodec.decode(stored)).isEqualTo(WorkedExampleBills.issuedJanuary());
        assertThat(BillCacheCodec.encode(WorkedExampleBills.issuedJanuary())).isEqualTo(stored);
        assertThat(BillCacheCodec.encode(WorkedExampleBills.openFebruary()))
                .isEqualTo(WorkedExampleBills.resource("/bills/worked-example-open.json"));
    }

    @Test
    void anEntryThatIsNotABillIsRefused() {
        // an entry the codec did not write (the cache answers it as a miss and counts the error)
        assertThatThrownBy(() -> BillCacheCodec.decode(new JsonObject().put("energyKwh", "10").encode()))
                .isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> BillCacheCodec.decode("not json")).isInstanceOf(RuntimeException.class);
    }
}
