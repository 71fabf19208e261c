package org.smartenergy.platform.storage;

import org.smartenergy.platform.domain.UsageBuckets;

/**
 * The two documents of a device hour: the hour document of collection {@code billing.readingsCollection} (default
 * {@code usage_hours}) with the hour's totals, and the readings document of the same {@code _id} in collection
 * {@link #readingsCollection} ({@code usage_hours_readings}) with the hour's readings. The one place their field
 * names are spelled, written by billing's {@code MongoReadingStore} and read by analytics' {@code UsageAnalytics}.
 * No driver types: names and the formats of the composed ones only.
 *
 * <pre>
 * usage_hours:          { _id: "meter-1|2026-11-27T09", deviceId: "meter-1", day: "2026-11-27", hour: 9,
 *                         hourStart: ISODate("2026-11-27T09:00:00Z"),
 *                         total: 250000, count: 1, quarters: { "36": 250000, ... },
 *                         latest: { end: 1764234900000, interval: 900 } }
 * usage_hours_readings: { _id: "meter-1|2026-11-27T09", deviceId: "meter-1",
 *                         hourStart: ISODate("2026-11-27T09:00:00Z"),
 *                         readings: { "1764234900000": { e: 250000, s: 42, i: 900 }, ... } }
 * </pre>
 * (readings: keyed by the epoch ms of the interval end, e = usage in mWh, s = seq, i = interval seconds, in that
 * order because {@code $max} compares them field by field; quarters: energy per UTC quarter hour of the day, 00-95,
 * an hour holds four of them; total and count: the sum and number of the readings; latest: the end (epoch ms) and
 * interval (seconds) of the hour's latest reading, for the silent-meter count)
 */
public final class UsageBucketSchema {

    /** {@code <deviceId>|<yyyy-MM-ddTHH>}, see {@link #id}. */
    public static final String ID = "_id";
    public static final String DEVICE_ID = "deviceId";
    /** UTC day, {@code yyyy-MM-dd}. */
    public static final String DAY = "day";
    /** UTC hour of day, 0-23 (a number). */
    public static final String HOUR = "hour";
    /** Start of the UTC hour, a BSON date. */
    public static final String HOUR_START = "hourStart";
    /** Map of readings by interval end (epoch ms as a string) to {@code {e, s, i}}. */
    public static final String READINGS = "readings";
    /** A reading's usage in mWh. */
    public static final String READING_USAGE = "e";
    /** A reading's sequence number. */
    public static final String READING_SEQ = "s";
    /** A reading's interval in seconds. */
    public static final String READING_INTERVAL = "i";
    /** Sum of the readings' usage, mWh. */
    public static final String TOTAL = "total";
    /** Number of readings. */
    public static final String COUNT = "count";
    /** Map of the UTC quarter hour of the day (two digits, 00-95) to its usage in mWh. */
    public static final String QUARTERS = "quarters";

    /**
     * The hour's latest reading, {@code {end, interval}}: its end in epoch ms and its interval in seconds (of several
     * copies of that reading, the one kept). In that order, so that {@code $max} keeps the latest.
     */
    public static final String LATEST = "latest";
    /** {@link #LATEST}'s end, epoch ms (a number). */
    public static final String LATEST_END = "end";
    /** {@link #LATEST}'s interval, seconds (a number). */
    public static final String LATEST_INTERVAL = "interval";

    /** Suffix of the readings collection's name: {@code <billing.readingsCollection>_readings}. */
    public static final String READINGS_COLLECTION_SUFFIX = "_readings";

    private UsageBucketSchema() {
    }

    /** @return the collection of the readings documents of the hour collection {@code hours} */
    public static String readingsCollection(String hours) {
        return hours + READINGS_COLLECTION_SUFFIX;
    }

    /** @return the bucket id of a device and the UTC hour starting at {@code hourStart} (epoch ms) */
    public static String id(String deviceId, long hourStart) {
        return deviceId + "|" + UsageBuckets.hour(hourStart);
    }

    /** @return the dotted path of the reading ending at {@code endEpochMilli}: {@code readings.<ms>} */
    public static String reading(long endEpochMilli) {
        return READINGS + "." + endEpochMilli;
    }

    /** @return the dotted path of a quarter hour of the day (0-95): {@code quarters.QQ} */
    public static String quarter(int quarterOfDay) {
        return QUARTERS + "." + twoDigits(quarterOfDay);
    }

    /** @return an aggregation field reference to a bucket field or path: {@code $<field>} */
    public static String ref(String field) {
        return "$" + field;
    }

    /** @return {@code n} (0-99) with two digits: {@code 07}, {@code 42} */
    public static String twoDigits(int n) {
        return n < 10 ? "0" + n : Integer.toString(n);
    }
}
