package org.smartenergy.platform.billing.bills;

import io.vertx.core.Future;
import org.smartenergy.platform.domain.tariff.BillView;
import org.smartenergy.platform.domain.tariff.Tariff;
import org.smartenergy.platform.gateway.BillQueries;
import org.smartenergy.platform.gateway.GatewayException;
import org.smartenergy.platform.gateway.TariffAdmin;
import org.smartenergy.platform.storage.StoreUnavailableException;

import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Objects;

/**
 * Billing's side of the gateway's ports {@link BillQueries} and {@link TariffAdmin}, on top of {@link BillService}:
 * hands over the domain's bill views and tariffs (the edges render them) and translates billing's failures into the
 * gateway's vocabulary ({@link BillingNotFoundException} to NOT_FOUND, {@link AssignmentRejectedException} to
 * ALREADY_EXISTS or INVALID_ARGUMENT, driver errors to {@link StoreUnavailableException}).
 */
public final class BillPorts implements BillQueries, TariffAdmin {

    private final BillService bills;

    public BillPorts(BillService bills) {
        this.bills = Objects.requireNonNull(bills, "bills");
    }

    @Override
    public Future<BillView> current(String deviceId) {
        return translated(bills.currentCached(deviceId));
    }

    @Override
    public Future<BillView> forPeriod(String deviceId, YearMonth month) {
        return translated(bills.forPeriod(deviceId, month));
    }

    @Override
    public Future<List<BillView>> issued(String deviceId, int limit) {
        return translated(bills.issued(deviceId, limit));
    }

    @Override
    public Future<Tariff> create(Tariff definition) {
        return translated(bills.tariffs().create(definition, bills.clock().instant()));
    }

    @Override
    public Future<List<Tariff>> latestOfEach() {
        return translated(bills.tariffs().latestOfEach());
    }

    @Override
    public Future<Tariff> find(String tariffId, Integer version) {
        return translated(existing(tariffId, version));
    }

    @Override
    public Future<Supply> assign(String deviceId, String tariffId, Integer pinned, Instant effective) {
        return translated(existing(tariffId, pinned)
                .compose(tariff -> bills.assign(deviceId, tariff, pinned, effective)
                        .compose(segment -> bills.evictCache(deviceId).map(segment))
                        .map(segment -> new Supply(tariffId, tariff.version(), segment.from(), segment.to()))));
    }

    @Override
    public Future<Supply> endSupply(String deviceId, Instant effective) {
        return translated(bills.endSupply(deviceId, effective)
                .compose(segment -> bills.evictCache(deviceId).map(segment))
                .map(segment -> new Supply(segment.tariffId(), null, segment.from(), segment.to())));
    }

    private Future<Tariff> existing(String id, Integer version) {
        Future<Tariff> found = version == null ? bills.tariffs().latest(id) : bills.tariffs().version(id, version);
        return found.compose(tariff -> tariff != null
                ? Future.succeededFuture(tariff)
                : Future.failedFuture(new BillingNotFoundException("tariff '" + id + "'"
                        + (version == null ? "" : " version " + version) + " does not exist")));
    }

    private static <T> Future<T> translated(Future<T> result) {
        return result.recover(e -> Future.failedFuture(translate(e)));
    }

    static Throwable translate(Throwable e) {
        if (e instanceof BillingNotFoundException nf) {
            return new GatewayException(GatewayException.Kind.NOT_FOUND, nf.getMessage());
        }
        if (e instanceof AssignmentRejectedException rejected) {
            return new GatewayException(rejected.conflict()
                    ? GatewayException.Kind.ALREADY_EXISTS : GatewayException.Kind.INVALID_ARGUMENT,
                    rejected.getMessage());
        }
        return StoreUnavailableException.translate(e);
    }
}
