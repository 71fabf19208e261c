package org.smartenergy.platform.billing.bills;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.domain.tariff.BillView;
import org.smartenergy.platform.domain.tariff.BillingPeriod;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How {@link BillCache} keeps a {@link BillView} in Redis: one JSON text, the stored bill form of {@link BillJson}
 * preceded by whose bill it is and where it stands.
 *
 * <pre>
 * { "deviceId": "meter-1", "period": "2026-11", "status": "open" | "issued", "issuedAt": null | "2026-12-03T00:00:00Z",
 *   ...the fields of BillJson, each adjustment line with its "correctedPeriod" }
 * </pre>
 *
 * The entry is the cache's own format: readers decode it back into the view and never look at its fields, so the
 * operator API's JSON can change without touching what is cached (today the two happen to be the same text).
 */
final class BillCacheCodec {

    private BillCacheCodec() {
    }

    /** @return the text stored for {@code view} */
    static String encode(BillView view) {
        return toJson(view).encode();
    }

    /**
     * @return the view {@link #encode} stored
     * @throws RuntimeException if {@code text} is not an entry this codec wrote
     */
    static BillView decode(String text) {
        return fromJson(new JsonObject(text));
    }

    static JsonObject toJson(BillView view) {
        JsonObject json = new JsonObject()
                .put("deviceId", view.deviceId())
                .put("period", view.periodName())
                .put("status", view.status().name().toLowerCase(Locale.ROOT))
                .put("issuedAt", view.issuedAt() == null ? null : view.issuedAt().toString());
        return json.mergeIn(BillJson.toJson(view.bill(), view.correctedPeriods()));
    }

    static BillView fromJson(JsonObject json) {
        List<BillingPeriod> corrected = new ArrayList<>();
        JsonArray adjustments = json.getJsonArray("adjustments");
        for (int i = 0; adjustments != null && i < adjustments.size(); i++) {
            JsonObject period = adjustments.getJsonObject(i).getJsonObject("correctedPeriod");
            if (period != null) {
                corrected.add(new BillingPeriod(LocalDate.parse(period.getString("start")),
                        LocalDate.parse(period.getString("end"))));
            }
        }
        String issuedAt = json.getString("issuedAt");
        return new BillView(json.getString("deviceId"), BillJson.fromJson(json),
                BillView.Status.valueOf(json.getString("status").toUpperCase(Locale.ROOT)),
                issuedAt == null ? null : Instant.parse(issuedAt), corrected);
    }
}
