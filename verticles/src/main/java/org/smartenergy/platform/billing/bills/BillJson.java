package org.smartenergy.platform.billing.bills;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.domain.tariff.Bill;
import org.smartenergy.platform.domain.tariff.BillLine;
import org.smartenergy.platform.domain.tariff.BillView;
import org.smartenergy.platform.domain.tariff.BillingPeriod;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Locale;

/**
 * The stored JSON form of bills (the {@code bills} collection's {@code bill} and {@code corrections}, and the body of
 * {@link BillCacheCodec}'s entries). Every amount, quantity and price is a decimal <b>string</b> ({@code "12.34"}),
 * never a JSON number, so no binary floating point touches money. The operator API renders the same fields itself
 * ({@code gateway.http.BillJsonMapper}).
 *
 * <pre>
 * { "periodStart": "2026-11-01", "periodEnd": "2026-12-01",
 *   "tariff": { "id": "residential-tou-de", "version": 2 }, "currency": "EUR",
 *   "lines": [ { "kind": "energy", "description": "...", "quantity": "12.5", "unit": "kWh",
 *                "unitPrice": "0.3400", "amount": "4.25" } ],
 *   "subtotal": "...", "taxes": [ lines ], "taxTotal": "...",
 *   "adjustments": [ lines, each with "correctedPeriod": { "start": "2026-10-01", "end": "2026-11-01" } ],
 *   "adjustmentTotal": "...", "total": "...", "kwh": "12.500000", "readings": 48 }
 * </pre>
 */
public final class BillJson {

    private BillJson() {
    }

    /**
     * @param correctedPeriods the period each adjustment line corrects, same order as the lines
     * @return the stored form of a bill
     */
    public static JsonObject toJson(Bill bill, List<BillingPeriod> correctedPeriods) {
        JsonArray adjustments = lines(bill.adjustmentLines());
        for (int i = 0; i < adjustments.size() && i < correctedPeriods.size(); i++) {
            BillingPeriod p = correctedPeriods.get(i);
            adjustments.getJsonObject(i).put("correctedPeriod", new JsonObject()
                    .put("name", BillView.periodName(p)).put("start", p.start().toString())
                    .put("end", p.end().toString()));
        }
        return new JsonObject()
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

    /** @return the bill of {@link #toJson} */
    public static Bill fromJson(JsonObject json) {
        JsonObject tariff = json.getJsonObject("tariff");
        return new Bill(tariff.getString("id"), tariff.getInteger("version"),
                new BillingPeriod(LocalDate.parse(json.getString("periodStart")),
                        LocalDate.parse(json.getString("periodEnd"))),
                Currency.getInstance(json.getString("currency")),
                lines(json.getJsonArray("lines")), decimal(json, "subtotal"),
                lines(json.getJsonArray("taxes")), decimal(json, "taxTotal"),
                lines(json.getJsonArray("adjustments")), decimal(json, "adjustmentTotal"),
                decimal(json, "total"), decimal(json, "kwh"), json.getInteger("readings"));
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

    private static List<BillLine> lines(JsonArray array) {
        List<BillLine> lines = new ArrayList<>();
        if (array == null) {
            return lines;
        }
        for (int i = 0; i < array.size(); i++) {
            JsonObject o = array.getJsonObject(i);
            lines.add(new BillLine(BillLine.Kind.valueOf(o.getString("kind").toUpperCase(Locale.ROOT)),
                    o.getString("description"), decimal(o, "quantity"), unit(o.getString("unit")),
                    decimal(o, "unitPrice"), decimal(o, "amount")));
        }
        return lines;
    }

    private static BillLine.Unit unit(String symbol) {
        for (BillLine.Unit unit : BillLine.Unit.values()) {
            if (unit.symbol().equals(symbol)) {
                return unit;
            }
        }
        throw new IllegalArgumentException("unknown unit: " + symbol);
    }

    private static BigDecimal decimal(JsonObject json, String key) {
        return new BigDecimal(json.getString(key));
    }
}
