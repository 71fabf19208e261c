package org.smartenergy.platform.billing.bills;

import io.vertx.core.Future;
import org.smartenergy.platform.domain.MeterReading;

import java.time.Instant;
import java.util.List;

/** Where the stored readings of a billing period are read from (the {@code MongoReadingStore} in production). */
public interface PeriodReadings {

    /**
     * @return every stored reading of the device whose interval may overlap {@code [from, to)}; it may return more
     *         (readings wholly outside the span), never fewer: the tariff engine keeps only what falls inside
     */
    Future<List<MeterReading>> readings(String deviceId, Instant from, Instant to);
}
