package org.smartenergy.platform.domain.tariff;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * One line of a bill, recomputable by hand: {@code amount = quantity x unitPrice}, rounded half-even to the
 * currency's minor unit. For a tax line the quantity is the percentage and the unit price the subtotal it applies to
 * ({@code amount = subtotal x percent / 100}); for an adjustment line the quantity is 1.
 *
 * @param kind        what the line charges for
 * @param description human-readable, names the band / tier / rider / tax / corrected period
 * @param quantity    exact quantity in {@code unit}
 * @param unit        unit of the quantity
 * @param unitPrice   exact price per unit (as in the tariff; not rounded)
 * @param amount      rounded to the currency's minor unit; negative for a credit
 */
public record BillLine(Kind kind, String description, BigDecimal quantity, Unit unit, BigDecimal unitPrice,
                       BigDecimal amount) {

    public BillLine {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(quantity, "quantity");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(unitPrice, "unitPrice");
        Objects.requireNonNull(amount, "amount");
    }

    /** What a line charges for. */
    public enum Kind { ENERGY, RIDER, STANDING, DEMAND, TAX, ADJUSTMENT }

    /** Unit of a line's quantity. */
    public enum Unit {
        KWH("kWh"), KW("kW"), KW_DAY("kW x day"), DAY("day"), PERCENT("%"), ITEM("item");

        private final String symbol;

        Unit(String symbol) {
            this.symbol = symbol;
        }

        /** @return the unit as printed on a bill */
        public String symbol() {
            return symbol;
        }
    }
}
