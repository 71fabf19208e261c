package org.smartenergy.platform.device;

import java.time.Instant;

/**
 * A provisioned meter as the operator API shows it (never its token or token hash).
 *
 * @param deviceId  the meter's id, 1 to 64 characters
 * @param name      a free label chosen by the operator, may be empty
 * @param createdAt when the device was provisioned
 */
public record Device(String deviceId, String name, Instant createdAt) {
}
