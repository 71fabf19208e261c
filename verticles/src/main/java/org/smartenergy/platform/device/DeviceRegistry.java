package org.smartenergy.platform.device;

import io.vertx.core.Future;

/**
 * Where devices and the hashes of their tokens are kept (MongoDB collection {@code devices} in production).
 */
public interface DeviceRegistry {

    /**
     * Provisions a device.
     *
     * @param tokenHash SHA-256 of the device token ({@code DeviceTokens#hash}); the token itself is never stored
     * @return the device; fails with {@link DeviceExistsException} if the id is taken
     */
    Future<Device> create(String deviceId, String name, String tokenHash);

    /** @return the device, or {@code null} if there is none with that id */
    Future<Device> find(String deviceId);

    /** @return the id of the device the token hash belongs to, or {@code null} if it belongs to none */
    Future<String> deviceIdForTokenHash(String tokenHash);

    /** Creates indexes; idempotent. */
    Future<Void> init();

    /** A device with this id already exists. */
    final class DeviceExistsException extends RuntimeException {
        public DeviceExistsException(String deviceId) {
            super("device [" + deviceId + "] already exists", null, false, false);
        }
    }
}
