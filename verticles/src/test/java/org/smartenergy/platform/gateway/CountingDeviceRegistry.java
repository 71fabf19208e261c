package org.smartenergy.platform.gateway;

import io.vertx.core.Future;
import org.smartenergy.platform.device.Device;
import org.smartenergy.platform.device.DeviceRegistry;

import java.util.concurrent.atomic.AtomicInteger;

/** Delegates to a real registry and counts token lookups, to prove the authentication cache works. */
final class CountingDeviceRegistry implements DeviceRegistry {

    private final DeviceRegistry delegate;
    final AtomicInteger tokenLookups = new AtomicInteger();

    CountingDeviceRegistry(DeviceRegistry delegate) {
        this.delegate = delegate;
    }

    void resetCounts() {
        tokenLookups.set(0);
    }

    @Override
    public Future<Device> create(String deviceId, String name, String tokenHash) {
        return delegate.create(deviceId, name, tokenHash);
    }

    @Override
    public Future<Device> find(String deviceId) {
        return delegate.find(deviceId);
    }

    @Override
    public Future<String> deviceIdForTokenHash(String tokenHash) {
        tokenLookups.incrementAndGet();
        return delegate.deviceIdForTokenHash(tokenHash);
    }

    @Override
    public Future<Void> init() {
        return delegate.init();
    }
}
