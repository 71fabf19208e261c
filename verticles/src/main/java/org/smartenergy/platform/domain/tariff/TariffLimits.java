package org.smartenergy.platform.domain.tariff;

import java.math.BigDecimal;

/**
 * The bounds every tariff value must keep, so that nothing an operator (or a hostile client) sends can make
 * validation, storage or rating compute without bound: a {@link BigDecimal} such as {@code 1E+999999999} is a few
 * bytes, but writing it out or rounding it would build a billion-digit number.
 *
 * <p>Each bound is checked on {@link BigDecimal#precision()} and {@link BigDecimal#scale()} alone (and on the length of
 * the text before it is parsed, see {@link #MAX_DECIMAL_TEXT_LENGTH}), never by arithmetic on the value, so a check
 * costs the same whatever the value. Digits are counted as written: {@code "0.25000"} has 5 decimals.
 *
 * <table>
 *   <caption>Decimal bounds</caption>
 *   <tr><th>value</th><th>range</th><th>integer digits</th><th>decimals</th></tr>
 *   <tr><td>energy prices (flat, tier, band), standing charge per day, demand price</td><td>0 or more</td>
 *       <td>{@value #MAX_PRICE_INTEGER_DIGITS}</td><td>{@value #MAX_PRICE_DECIMALS}</td></tr>
 *   <tr><td>rider price</td><td>may be negative</td><td>{@value #MAX_PRICE_INTEGER_DIGITS}</td>
 *       <td>{@value #MAX_PRICE_DECIMALS}</td></tr>
 *   <tr><td>tier threshold {@code upToKwh}</td><td>more than 0</td><td>{@value #MAX_KWH_INTEGER_DIGITS}</td>
 *       <td>{@value #MAX_KWH_DECIMALS} (1 mWh)</td></tr>
 *   <tr><td>tax {@code percent}</td><td>0 to 100</td><td>3</td><td>{@value #MAX_PERCENT_DECIMALS}</td></tr>
 * </table>
 *
 * <p>Counts are bounded too, which bounds the work of the coverage checks and of rating one reading:
 * {@value #MAX_SEASONS} seasons, {@value #MAX_BANDS_PER_SEASON} bands per season, {@value #MAX_TIERS} tiers,
 * {@value #MAX_RIDERS} riders, {@value #MAX_TAXES} taxes, {@value #MAX_HOLIDAYS} holidays and
 * {@value #MAX_DEMAND_BANDS} demand bands. A tariff id has at most {@value #MAX_ID_LENGTH} characters and no
 * control characters, {@code / ? # %} (it goes into a path and a {@code Location} header).
 */
public final class TariffLimits {

    /** A decimal written as a JSON string longer than this is refused before it is parsed. */
    public static final int MAX_DECIMAL_TEXT_LENGTH = 40;
    /** Prices are below 10^12 currency units. */
    public static final int MAX_PRICE_INTEGER_DIGITS = 12;
    /** Prices have at most this many decimals. */
    public static final int MAX_PRICE_DECIMALS = 10;
    /** Tier thresholds are below 10^12 kWh. */
    public static final int MAX_KWH_INTEGER_DIGITS = 12;
    /** Tier thresholds have at most this many decimals: whole mWh. */
    public static final int MAX_KWH_DECIMALS = 6;
    /** Tax percentages have at most this many decimals. */
    public static final int MAX_PERCENT_DECIMALS = 6;
    /** Tax percentages are at most this. */
    public static final BigDecimal MAX_PERCENT = BigDecimal.valueOf(100);

    /** A tariff id is at most this long (and has no control characters, '/', '?', '#' or '%'). */
    public static final int MAX_ID_LENGTH = 128;
    public static final int MAX_SEASONS = 12;
    public static final int MAX_BANDS_PER_SEASON = 48;
    public static final int MAX_TIERS = 20;
    public static final int MAX_RIDERS = 20;
    public static final int MAX_TAXES = 10;
    public static final int MAX_HOLIDAYS = 1000;
    public static final int MAX_DEMAND_BANDS = 48;

    /** Values up to this precision are quoted in messages; longer ones are described by their size. */
    private static final int QUOTED_PRECISION = 40;

    private TariffLimits() {
    }

    /** The kinds of decimal a tariff holds, each with its bounds. */
    public enum Kind {
        /** A price that must not be negative. */
        PRICE(MAX_PRICE_INTEGER_DIGITS, MAX_PRICE_DECIMALS, false),
        /** A price that may be negative (rider). */
        SIGNED_PRICE(MAX_PRICE_INTEGER_DIGITS, MAX_PRICE_DECIMALS, true),
        /** An energy threshold in kWh. */
        KWH(MAX_KWH_INTEGER_DIGITS, MAX_KWH_DECIMALS, false),
        /** A percentage, 0 to 100. */
        PERCENT(3, MAX_PERCENT_DECIMALS, false);

        final int integerDigits;
        final int decimals;
        final boolean signed;

        Kind(int integerDigits, int decimals, boolean signed) {
            this.integerDigits = integerDigits;
            this.decimals = decimals;
            this.signed = signed;
        }
    }

    /**
     * Checks the size of a decimal (not its sign or range, which the tariff rules check with their own messages).
     * Costs the same whatever the value: only {@code precision()} and {@code scale()} are looked at.
     *
     * @param field where the value is, e.g. {@code energy.tiers[0].pricePerKwh}
     * @return the problem, or null if the value is within the bounds of {@code kind}
     */
    public static String sizeProblem(String field, BigDecimal value, Kind kind) {
        // long: precision - scale overflows an int for scales near Integer.MIN_VALUE
        long integerDigits = (long) value.precision() - value.scale();
        long decimals = Math.max(0, value.scale());
        if (integerDigits <= kind.integerDigits && decimals <= kind.decimals) {
            return null;
        }
        return field + " must have at most " + kind.integerDigits + " digits before the decimal point and "
                + kind.decimals + " after it, was " + describe(value);
    }

    /**
     * @return the value as text if it is short ({@code toString()}, which may use an exponent, never expands it),
     *         else a description of its size; never builds a long string
     */
    public static String describe(BigDecimal value) {
        if (value.precision() <= QUOTED_PRECISION) {
            return value.toString();
        }
        return "a number of " + value.precision() + " digits";
    }
}
