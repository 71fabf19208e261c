package org.smartenergy.platform.analytics;

import java.util.List;

/**
 * Platform-wide usage of one UTC day, from the stored readings.
 *
 * @param day              the UTC day, yyyy-MM-dd
 * @param energyMwh        energy of every device that day, milliwatt-hours
 * @param activeDevices    devices with at least one stored reading that day
 * @param hourMwh          energy per UTC hour (24 entries)
 * @param quarterMwh       energy per UTC quarter hour (96 entries)
 * @param topConsumers     the devices that used most that day, largest first
 */
public record DaySummary(String day, long energyMwh, long activeDevices, long[] hourMwh, long[] quarterMwh,
                         List<Consumer> topConsumers) {

    /** Length of a demand window: a quarter hour. */
    public static final double QUARTER_HOURS = 0.25;

    /** One device's usage. */
    public record Consumer(String deviceId, long energyMwh) {
    }

    /** @return index (0-95) of the quarter hour with the highest platform-wide energy, or -1 with no energy */
    public int peakQuarter() {
        int peak = -1;
        long max = 0;
        for (int q = 0; q < quarterMwh.length; q++) {
            if (quarterMwh[q] > max) {
                max = quarterMwh[q];
                peak = q;
            }
        }
        return peak;
    }

    /** @return the highest 15-minute average demand of the day in kW (kWh in the quarter / 0.25 h) */
    public double peakDemandKw() {
        int q = peakQuarter();
        return q < 0 ? 0.0 : quarterMwh[q] / 1_000_000.0 / QUARTER_HOURS;
    }
}
