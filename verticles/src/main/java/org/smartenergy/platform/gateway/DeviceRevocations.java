package org.smartenergy.platform.gateway;

import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/**
 * The cluster-wide notice that a device's credentials changed: published on {@value #ADDRESS} (event-bus publish,
 * so every gateway node gets it) after the registry changed, as {@code {"deviceId": ..., "change": ...}} with
 * {@code change} one of {@link #ROTATED}, {@link #DISABLED}, {@link #ENABLED}, {@link #DELETED}. Every node's
 * {@link DeviceAuthenticator} listens and drops what it cached about the device, and ends or re-checks the streams
 * the device has open. The event bus is best-effort: a node that misses the notice (partitioned from the cluster)
 * still forgets the device within the token-cache TTL ({@code gateway.tokenCacheTtlSeconds}).
 */
public final class DeviceRevocations {

    /** The event-bus address of the notices. */
    public static final String ADDRESS = "energy.devices.revoked";
    public static final String ROTATED = "rotated";
    public static final String DISABLED = "disabled";
    public static final String ENABLED = "enabled";
    public static final String DELETED = "deleted";

    private DeviceRevocations() {
    }

    /** The message of one notice. */
    static JsonObject notice(String deviceId, String change) {
        return new JsonObject().put("deviceId", deviceId).put("change", change);
    }

    /**
     * Makes the change take effect: on this node at once (before the caller answers), on the others as soon as the
     * published notice arrives.
     */
    public static void revoke(DeviceAuthenticator local, EventBus bus, String deviceId, String change) {
        local.revoke(deviceId, change);
        bus.publish(ADDRESS, notice(deviceId, change));
    }
}
