package org.smartenergy.platform.domain.tariff;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * A named tax, a percentage of the bill subtotal (all charge lines). Several taxes are each computed on the same
 * subtotal, not on each other.
 *
 * @param name    shown on the bill (e.g. "VAT")
 * @param percent e.g. {@code 19} for 19 %, not negative
 */
public record Tax(String name, BigDecimal percent) {
    public Tax {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(percent, "percent");
    }
}
