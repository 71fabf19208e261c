package org.smartenergy.platform.gateway.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.domain.tariff.Bill;
import org.smartenergy.platform.domain.tariff.BillLine;
import org.smartenergy.platform.domain.tariff.BillView;
import org.smartenergy.platform.domain.tariff.BillingPeriod;

import java.util.List;
import java.util.Locale;

/**
 * The operator API's JSON form of a bill. Every amount, quantity and price is a decimal <b>string</b>
 * ({@code "12.34"}), never a JSON number, so no binary floating point touches money.
 *
 * <pre>
 * { "deviceId": "meter-1", "period": "2026-11", "status": "open" | "issued", "issuedAt": null | "2026-12-03T00:00:00Z",
 *   "periodStart": "2026-11-01", "periodEnd": "2026-12-01",
 *   "tariff": { "id": "residential-tou-de", "version": 2 }, "currency": "EUR",
 *   "lines": [ { "kind": "energy", "description": "...", "quantity": "12.5", "unit": "kWh",
 *                "unitPrice": "0.3400", "amount": "4.25" } ],
 *   "subtotal": "...", "taxes": [ lines ], "taxTotal": "...",
 *   "adjustments": [ lines, each with "correctedPeriod": { "name": "2026-10", "start": "2026-10-01",
 *                    "end": "2026-11-01" } ],
 *   "adjustmentTotal": "...", "total": "...", "kwh": "12.500000", "readings": 48 }
 * </pre>
 */
public final class BillJsonMapper {

    private BillJsonMapper() {
    }

    /** @return the API form of a bill */
    public static JsonObject toJson(BillView view) {
        Bill bill = view.bill();
        JsonArray adjustments = lines(bill.adjustmentLines());
        List<BillingPeriod> corrected = view.correctedPeriods();
        for (int i = 0; i < adjustments.size() && i < corrected.size(); i++) {
            BillingPeriod p = corrected.get(i);
            adjustments.getJsonObject(i).put("correctedPeriod", new JsonObject().put("name", BillView.periodName(p))
                    .put("start", p.start().toString()).put("end", p.end().toString()));
        }
        return new JsonObject()
                .put("deviceId", view.deviceId())
                .put("period", view.periodName())
                .put("status", view.status().name().toLowerCase(Locale.ROOT))
                .put("issuedAt", view.issuedAt() == null ? null : view.issuedAt().toString())
                .put("periodStart", bill.period().start().toString())
                .put("periodEnd", bill.period().end().toString())
                .put("tariff", new JsonObject().put("id", bill.tariffId()).put("version", bill.tariffVersion()))
                .put("currency", bill.currency().getCurrencyCode())
                .put("lines", lines(bill.lines()))
                .put("subtotal", bill.subtotal().toPlainString())
                .put("taxes", lines(bill.taxLines()))
                .put("taxTotal", bill.taxTotal().toPlainString())
                .put("adjustments", adjustments)
                .put("adjustmentTotal", bill.adjustmentTotal().toPlainString())
                .put("total", bill.total().toPlainString())
                .put("kwh", bill.totalKwh().toPlainString())
                .put("readings", bill.readingCount());
    }

    private static JsonArray lines(List<BillLine> lines) {
        JsonArray array = new JsonArray();
        for (BillLine line : lines) {
            array.add(new JsonObject()
                    .put("kind", line.kind().name().toLowerCase(Locale.ROOT))
                    .put("description", line.description())
                    .put("quantity", line.quantity().toPlainString())
                    .put("unit", line.unit().symbol())
                    .put("unitPrice", line.unitPrice().toPlainString())
                    .put("amount", line.amount().toPlainString()));
        }
        return array;
    }
}
