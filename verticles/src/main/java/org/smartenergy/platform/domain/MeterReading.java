package org.smartenergy.platform.domain;

import java.time.Instant;
import java.util.Objects;

/**
 * A validated interval reading, as it travels from ingestion through the queue into storage.
 *
 * <p>Energy is held as a whole number of milliwatt-hours ({@link Energy#MWH_PER_KWH} per kWh) so that sums are exact
 * and do not depend on the order readings are added in. The timestamp is the end of the interval, truncated to the
 * millisecond; {@code (deviceId, timestamp)} is the reading's identity.
 *
 * @param deviceId        the meter, 1 to 64 characters
 * @param timestamp       end of the measurement interval, millisecond precision
 * @param usageMwh        energy used during the interval in milliwatt-hours, never negative
 * @param seq             the logger's sequence number (informational, not part of the identity)
 * @param intervalSeconds length of the interval in seconds, positive
 */
public record MeterReading(String deviceId, Instant timestamp, long usageMwh, long seq, int intervalSeconds) {

    public MeterReading {
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(timestamp, "timestamp");
        if (timestamp.getNano() % 1_000_000 != 0) {
            timestamp = Instant.ofEpochMilli(timestamp.toEpochMilli());
        }
        if (usageMwh < 0) {
            throw new IllegalArgumentException("usageMwh must be >= 0");
        }
        if (intervalSeconds <= 0) {
            throw new IllegalArgumentException("intervalSeconds must be > 0");
        }
    }

    /** The reading's identity: the same key means the same reading, whatever the other fields say. */
    public ReadingKey key() {
        return new ReadingKey(deviceId, timestamp.toEpochMilli());
    }

    /** @return the energy in kWh (for display; sums use {@link #usageMwh()}) */
    public double usageKwh() {
        return Energy.toKwh(usageMwh);
    }

    /** Identity of a reading: device and interval end in epoch milliseconds. */
    public record ReadingKey(String deviceId, long epochMilli) {
    }
}
