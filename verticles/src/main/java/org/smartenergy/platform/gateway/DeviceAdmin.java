package org.smartenergy.platform.gateway;

import io.vertx.core.Future;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * The gateway's port for devices: the operator API's device administration and the token lookup behind device
 * authentication. Implemented by {@code device.MongoDeviceRegistry} (MongoDB collection {@code devices}) and wired by
 * the node. Only the SHA-256 of a token is ever passed in or stored ({@link org.smartenergy.platform.domain.DeviceTokens}).
 *
 * <p>Failures: an id that is taken {@link DeviceExistsException}; an unreachable store
 * {@link org.smartenergy.platform.storage.StoreUnavailableException}. "Not found" is a {@code null} result, not a
 * failure.
 */
public interface DeviceAdmin {

    /**
     * A provisioned meter as the operator API shows it (never its token or token hash).
     *
     * @param deviceId  the meter's id, 1 to 64 characters
     * @param name      a free label chosen by the operator, may be empty
     * @param createdAt when the device was provisioned
     * @param enabled   whether its token is accepted; a disabled device's calls are refused with PERMISSION_DENIED
     */
    record Device(String deviceId, String name, Instant createdAt, boolean enabled) {
    }

    /** One device to provision in a bulk import. */
    record NewDevice(String deviceId, String name, String tokenHash) {
    }

    /** The device a token hash belongs to, as authentication needs it. */
    record TokenOwner(String deviceId, boolean enabled) {
    }

    /**
     * Provisions a device, enabled.
     *
     * @param tokenHash SHA-256 of the device token; the token itself is never stored
     * @return the device; fails with {@link DeviceExistsException} if the id is taken
     */
    Future<Device> create(String deviceId, String name, String tokenHash);

    /**
     * Provisions many devices in one bulk write (unordered: every row that can be written is written).
     *
     * @param devices at most a few thousand, with distinct ids
     * @return the ids of those that were not created because the id is taken; every other one was created
     */
    Future<Set<String>> createAll(List<NewDevice> devices);

    /** @return the device, or {@code null} if there is none with that id */
    Future<Device> find(String deviceId);

    /**
     * A page of devices in ascending id order (the store's binary string order): a range scan on the id index.
     *
     * @param after the id the previous page ended with, or null for the first page
     * @param limit at most this many
     */
    Future<List<Device>> page(String after, int limit);

    /**
     * Replaces the device's token hash: the old token is no longer found.
     *
     * @return the device, or {@code null} if there is none with that id
     */
    Future<Device> replaceTokenHash(String deviceId, String tokenHash);

    /**
     * Changes what is given (a null argument stays as it is).
     *
     * @return the device after the change, or {@code null} if there is none with that id
     */
    Future<Device> update(String deviceId, Boolean enabled, String name);

    /** Removes the device and its token hash (nothing else); @return whether there was such a device */
    Future<Boolean> delete(String deviceId);

    /** @return the owner of the token hash, or {@code null} if it belongs to no device */
    Future<TokenOwner> tokenOwner(String tokenHash);

    /** Creates indexes; idempotent. */
    Future<Void> init();

    /** A device with this id already exists. */
    final class DeviceExistsException extends RuntimeException {
        public DeviceExistsException(String deviceId) {
            super("device [" + deviceId + "] already exists", null, false, false);
        }
    }
}
