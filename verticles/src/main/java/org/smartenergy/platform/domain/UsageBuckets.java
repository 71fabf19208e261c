package org.smartenergy.platform.domain;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * Where a reading is counted. A reading covers the interval that ends at its timestamp, so it belongs to the UTC
 * hour and day that hold the last instant of that interval: a reading ending at 10:00:00 counts in the 09:00 hour,
 * one ending at 10:15:00 in the 10:00 hour. Only the timestamp decides, so a resent reading always lands in the same
 * bucket as the original.
 */
public final class UsageBuckets {


    private UsageBuckets() {
    }

    /** @return the instant the reading is counted at: one millisecond before its interval end */
    public static long countedAt(long endEpochMilli) {
        return endEpochMilli - 1;
    }

    /** @return the UTC day (yyyy-MM-dd) the reading is counted in */
    public static String day(long endEpochMilli) {
        return LocalDate.ofEpochDay(Math.floorDiv(countedAt(endEpochMilli), 86_400_000L)).toString();
    }

    /** @return the UTC hour of day (0-23) the reading is counted in */
    public static int hourOfDay(long endEpochMilli) {
        return (int) Math.floorMod(countedAt(endEpochMilli), 86_400_000L) / 3_600_000;
    }

    /** @return the UTC quarter hour of day (0-95) the reading is counted in */
    public static int quarterOfDay(long endEpochMilli) {
        return (int) Math.floorMod(countedAt(endEpochMilli), 86_400_000L) / 900_000;
    }

    /** @return the start (epoch ms) of the UTC hour the reading is counted in */
    public static long hourStart(long endEpochMilli) {
        return Math.floorDiv(countedAt(endEpochMilli), 3_600_000L) * 3_600_000L;
    }

    /** @return the UTC hour (yyyy-MM-ddTHH) starting at {@code hourStartEpochMilli} */
    public static String hour(long hourStartEpochMilli) {
        // LocalDate's ISO form and two digits: the same text as the pattern uuuu-MM-dd'T'HH for the years readings
        // can have (ingestion.maxAge, maxFutureSkew), without a formatter's cost on every reading
        int hourOfDay = (int) Math.floorMod(hourStartEpochMilli, 86_400_000L) / 3_600_000;
        return LocalDate.ofEpochDay(Math.floorDiv(hourStartEpochMilli, 86_400_000L)) + (hourOfDay < 10 ? "T0" : "T")
                + hourOfDay;
    }

    /** @return the start of the UTC day {@code day} (yyyy-MM-dd) */
    public static Instant startOfDay(String day) {
        return LocalDate.parse(day).atStartOfDay(ZoneOffset.UTC).toInstant();
    }
}
