package org.smartenergy.platform.gateway;

import io.vertx.core.Future;
import org.smartenergy.platform.domain.tariff.Tariff;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/**
 * The gateway's port for tariffs and supplies (operator API); implemented by billing and wired by the node.
 * Tariffs come and go as domain {@link Tariff}s: the operator API parses and renders their JSON document itself.
 * Failures: a stored tariff that no longer passes the rules
 * {@link org.smartenergy.platform.domain.tariff.InvalidTariffException}; an unknown tariff a {@link GatewayException}
 * NOT_FOUND; a rejected assignment ALREADY_EXISTS (conflict) or INVALID_ARGUMENT; an unreachable store
 * {@link org.smartenergy.platform.storage.StoreUnavailableException}.
 */
public interface TariffAdmin {

    /**
     * A device's supply after a change: the tariff, the version in force (null after an end) and its days
     * ({@code to} null: open).
     */
    record Supply(String tariffId, Integer effectiveVersion, LocalDate from, LocalDate to) {
    }

    /**
     * Stores {@code definition} as a new version of its tariff: version 1 for a new id, else the latest version + 1
     * ({@code definition}'s own version is not used).
     *
     * @return the tariff as stored, with its version
     */
    Future<Tariff> create(Tariff definition);

    /** @return the latest version of every tariff */
    Future<List<Tariff>> latestOfEach();

    /** @return the tariff's latest version ({@code version} null) or the given version; fails NOT_FOUND if none */
    Future<Tariff> find(String tariffId, Integer version);

    /**
     * Supplies the device under the tariff from {@code effective} (null: now), pinned to {@code pinned} or following
     * its latest version (null); the device is known to exist.
     */
    Future<Supply> assign(String deviceId, String tariffId, Integer pinned, Instant effective);

    /** Ends the device's open supply on {@code effective} (null: now). */
    Future<Supply> endSupply(String deviceId, Instant effective);
}
