package org.smartenergy.platform.domain;

import java.math.BigDecimal;

/**
 * Conversions between the kWh of the wire contract and the integer milliwatt-hours used for storage and sums.
 */
public final class Energy {

    /** 1 kWh = 1,000 Wh = 1,000,000 mWh. */
    public static final long MWH_PER_KWH = 1_000_000L;

    private Energy() {
    }

    /**
     * Rounds a finite kWh value to whole milliwatt-hours (half up); validation has already refused negative ones.
     *
     * @throws IllegalArgumentException if the value is not finite or too large for a long
     */
    public static long toMwh(double kwh) {
        if (!Double.isFinite(kwh)) {
            throw new IllegalArgumentException("kWh must be finite");
        }
        if (Math.abs(kwh) >= Long.MAX_VALUE / (double) MWH_PER_KWH) {
            throw new IllegalArgumentException("kWh " + kwh + " is too large");
        }
        return Math.round(kwh * MWH_PER_KWH);
    }

    /** @return the kWh value of whole milliwatt-hours */
    public static double toKwh(long mwh) {
        return mwh / (double) MWH_PER_KWH;
    }

    /** @return the exact kWh value of whole milliwatt-hours, for money paths and exact JSON */
    public static BigDecimal toKwhExact(long mwh) {
        return BigDecimal.valueOf(mwh, 6);
    }
}
