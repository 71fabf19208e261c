package org.smartenergy.platform.domain.tariff;

import java.math.BigDecimal;
import java.util.Objects;
import java.util.Set;

/**
 * A charge on the highest average demand of the period. The period is cut into windows of {@code windowMinutes}
 * starting at the period start (local midnight); a window's demand in kW is the energy measured in it (all the
 * bill's devices together) divided by the window length in hours. The highest window is charged.
 *
 * <p>With {@code bands} non-empty (time-of-use tariffs only), only energy measured in those bands counts towards a
 * window's demand (a window lying entirely outside them has zero demand), e.g. "on-peak demand".
 *
 * @param price         per kW ({@link Basis#PER_KW}) or per kW per day of the period ({@link Basis#PER_KW_PER_DAY}),
 *                      not negative
 * @param basis         how the price applies
 * @param windowMinutes window length, a divisor of 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60); 15 by default
 * @param bands         time-of-use band names the demand is measured in; empty = at all times
 */
public record DemandCharge(BigDecimal price, Basis basis, int windowMinutes, Set<String> bands) {

    /** Window length when none is given. */
    public static final int DEFAULT_WINDOW_MINUTES = 15;

    public DemandCharge {
        Objects.requireNonNull(price, "price");
        Objects.requireNonNull(basis, "basis");
        bands = Set.copyOf(bands == null ? Set.of() : bands);
    }

    /** How a demand price applies. */
    public enum Basis {
        /** price x kW, once for the period (not prorated for a partial period) */
        PER_KW,
        /** price x kW x days in the period */
        PER_KW_PER_DAY
    }
}
