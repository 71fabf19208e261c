package org.smartenergy.platform.domain;

import java.time.Instant;

/**
 * Stored energy of one device in one UTC hour or day.
 *
 * @param start    start of the hour or day
 * @param usageMwh sum of the readings counted in it, in milliwatt-hours
 * @param readings how many readings were counted in it
 */
public record UsageBucket(Instant start, long usageMwh, long readings) {
}
