package org.smartenergy.platform.gateway;

import io.vertx.core.Future;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/** Delegates to a real registry and counts token lookups, to prove the authentication cache works. */
final class CountingDeviceRegistry implements DeviceAdmin {

    private final DeviceAdmin delegate;
    final AtomicInteger tokenLookups = new AtomicInteger();

    CountingDeviceRegistry(DeviceAdmin delegate) {
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
    public Future<Set<String>> createAll(List<NewDevice> devices) {
        return delegate.createAll(devices);
    }

    @Override
    public Future<Device> find(String deviceId) {
        return delegate.find(deviceId);
    }

    @Override
    public Future<List<Device>> page(String after, int limit) {
        return delegate.page(after, limit);
    }

    @Override
    public Future<Device> replaceTokenHash(String deviceId, String tokenHash) {
        return delegate.replaceTokenHash(deviceId, tokenHash);
    }

    @Override
    public Future<Device> update(String deviceId, Boolean enabled, String name) {
        return delegate.update(deviceId, enabled, name);
    }

    @Override
    public Future<Boolean> delete(String deviceId) {
        return delegate.delete(deviceId);
    }

    @Override
    public Future<TokenOwner> tokenOwner(String tokenHash) {
        tokenLookups.incrementAndGet();
        return delegate.tokenOwner(tokenHash);
    }

    @Override
    public Future<Void> init() {
        return delegate.init();
    }
}
