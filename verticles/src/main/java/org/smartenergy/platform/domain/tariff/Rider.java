package org.smartenergy.platform.domain.tariff;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * A named per-kWh adjustment applied to all energy of the period (levy, fuel adjustment, renewable credit...). A
 * negative price is a credit and appears on the bill as its own negative line.
 *
 * @param name        shown on the bill
 * @param pricePerKwh currency units per kWh, may be negative
 */
public record Rider(String name, BigDecimal pricePerKwh) {
    public Rider {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pricePerKwh, "pricePerKwh");
    }
}
