package org.smartenergy.platform.observability;

import org.smartenergy.platform.e2e.PlatformHarness;
import org.smartenergy.proto.v1.Reading;
import org.smartenergy.proto.v1.ReadingAck;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A little logger traffic, so every series of the ingest path exists: one provisioned device streams valid readings
 * plus readings with a negative usage and with a timestamp far in the future; returns once billing stored the valid
 * ones.
 */
record SampleTraffic(int valid, int negativeUsage, int future) {

    int sent() {
        return valid + negativeUsage + future;
    }

    SampleTraffic sendTo(PlatformHarness platform) throws Exception {
        String device = "obs-" + UUID.randomUUID().toString().substring(0, 8);
        String token = platform.provision(device);
        Instant base = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofDays(1));
        List<Reading> readings = new ArrayList<>();
        long seq = 0;
        for (int i = 0; i < valid; i++) {
            readings.add(PlatformHarness.reading(device, base.plus(Duration.ofMinutes(15L * i)), 0.25, seq++));
        }
        for (int i = 0; i < negativeUsage; i++) {
            readings.add(PlatformHarness.reading(device, base.minus(Duration.ofMinutes(15L * (i + 1))), -1, seq++));
        }
        for (int i = 0; i < future; i++) {
            readings.add(PlatformHarness.reading(device, Instant.now().plus(Duration.ofDays(1 + i)), 0.25, seq++));
        }
        double storedBefore = platform.counter("energy.readings.stored");
        List<ReadingAck> acks = platform.stream(token, readings, 16);
        if (acks.size() != sent()) {
            throw new AssertionError("expected " + sent() + " acks, got " + acks.size());
        }
        PlatformHarness.await("billing stored the " + valid + " valid readings", Duration.ofSeconds(30),
                () -> platform.counter("energy.readings.stored") >= storedBefore + valid);
        return this;
    }
}
