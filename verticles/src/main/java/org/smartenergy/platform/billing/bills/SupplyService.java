package org.smartenergy.platform.billing.bills;

import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smartenergy.platform.billing.bills.TariffRepository.Assignment;
import org.smartenergy.platform.billing.bills.TariffRepository.Segment;
import org.smartenergy.platform.domain.tariff.BillingPeriod;
import org.smartenergy.platform.domain.tariff.SupplySchedule;
import org.smartenergy.platform.domain.tariff.SupplySchedule.Period;
import org.smartenergy.platform.domain.tariff.Tariff;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The supply half of {@link BillService}: resolves a device's stored supply segments to the tariffs they are rated
 * with and the billing periods they make, and applies supply changes ({@link BillService#assign},
 * {@link BillService#endSupply}) to the stored segments.
 */
final class SupplyService {

    /** Logs under {@link BillService}, as before the split. */
    private static final Logger LOG = LoggerFactory.getLogger(BillService.class);

    private final TariffRepository tariffs;
    private final BillRepository bills;
    private final Clock clock;
    private final Duration grace;

    SupplyService(TariffRepository tariffs, BillRepository bills, Clock clock, Duration grace) {
        this.tariffs = tariffs;
        this.bills = bills;
        this.clock = clock;
        this.grace = grace;
    }

    /** A move-in or change of tariff ({@code tariff} non-null), or the end of supply ({@code tariff} null). */
    Future<Segment> change(String deviceId, Instant effective, Tariff tariff, Integer pinned) {
        return changeSupply(deviceId, effective, tariff, pinned, 0);
    }

    private static final int MAX_SUPPLY_ATTEMPTS = 5;

    private Future<Segment> changeSupply(String deviceId, Instant effective, Tariff tariff, Integer pinned,
                                         int attempt) {
        Instant now = clock.instant();
        Instant at = effective == null ? now : effective;
        if (at.isAfter(now)) {
            return Future.failedFuture(new AssignmentRejectedException(false,
                    "the effective instant " + at + " is in the future; supply changes take effect at once or in the"
                            + " past"));
        }
        return tariffs.assignment(deviceId)
                .compose(a -> a == null ? Future.succeededFuture((Supply) null) : supply(a))
                .compose(supply -> {
                    // the open segment, its start resolved for a document of the older shape
                    Segment current = supply == null || supply.assignment().current() == null ? null
                            : supply.segments().get(supply.segments().size() - 1);
                    if (tariff == null && current == null) {
                        return Future.failedFuture(new BillingNotFoundException(
                                "device '" + deviceId + "' has no tariff assigned"));
                    }
                    Tariff zoneOf = tariff != null ? tariff : supply.tariffOf(supply.segments().size() - 1);
                    LocalDate day = at.atZone(zoneOf.zone()).toLocalDate();
                    BillingPeriod cycle = zoneOf.billingCycle().periodContaining(day);
                    if (!now.isBefore(cycle.endInstant(zoneOf.zone()).plus(grace))) {
                        return Future.failedFuture(closed(deviceId, day, cycle));
                    }
                    if (tariff != null && current != null && current.tariffId().equals(tariff.id())
                            && Objects.equals(current.pinnedVersion(), pinned)
                            && !day.isBefore(current.from())) {
                        return Future.succeededFuture(current);
                    }
                    List<Segment> next = new ArrayList<>();
                    if (supply != null) {
                        for (Segment seg : supply.segments()) {
                            if (seg.from().isBefore(day)) {
                                next.add(seg.open() || seg.to().isAfter(day) ? seg.endingOn(day) : seg);
                            }
                        }
                    }
                    Segment changed = tariff == null ? current.endingOn(day)
                            : new Segment(tariff.id(), pinned, day, null);
                    if (tariff != null) {
                        next.add(changed);
                    }
                    return bills.list(deviceId, 1).compose(latest -> {
                        if (!latest.isEmpty() && latest.get(0).bill().period().end().isAfter(day)) {
                            return Future.failedFuture(closed(deviceId, day, latest.get(0).bill().period()));
                        }
                        return tariffs.saveSegments(deviceId, supply == null ? null : supply.assignment(), next, now);
                    }).compose(saved -> {
                        if (saved) {
                            LOG.info("supply changed [deviceId: {}, day: {}, tariffId: {}]", deviceId, day,
                                    tariff == null ? "(ended)" : tariff.id());
                            return Future.succeededFuture(changed);
                        }
                        if (attempt + 1 >= MAX_SUPPLY_ATTEMPTS) {
                            return Future.failedFuture(new IllegalStateException(
                                    "the supply of device '" + deviceId + "' kept changing concurrently"));
                        }
                        return changeSupply(deviceId, effective, tariff, pinned, attempt + 1);
                    });
                });
    }

    private static AssignmentRejectedException closed(String deviceId, LocalDate day, BillingPeriod period) {
        return new AssignmentRejectedException(true, "device '" + deviceId + "': " + day
                + " is in the billing period " + period + ", which is closed; supply can change only in open periods");
    }

    /** A device's supply segments (legacy start resolved) with the tariff each is rated with, same order. */
    record Supply(Assignment assignment, List<Segment> segments, List<Tariff> tariffs) {
        Tariff tariffOf(int segment) {
            return tariffs.get(segment);
        }

        List<SupplySchedule.Part> parts() {
            List<SupplySchedule.Part> parts = new ArrayList<>(segments.size());
            for (int i = 0; i < segments.size(); i++) {
                parts.add(new SupplySchedule.Part(segments.get(i).from(), segments.get(i).to(), tariffs.get(i)));
            }
            return parts;
        }
    }

    Future<Supply> supply(String deviceId) {
        return tariffs.assignment(deviceId).compose(assignment -> assignment == null || assignment.segments().isEmpty()
                ? Future.failedFuture(new BillingNotFoundException("device '" + deviceId + "' has no tariff assigned"))
                : supply(assignment));
    }

    Future<Supply> supply(Assignment assignment) {
        List<Future<Tariff>> resolved = new ArrayList<>();
        for (Segment seg : assignment.segments()) {
            resolved.add(tariffs.resolve(seg).compose(t -> t == null
                    ? Future.failedFuture(new BillingNotFoundException("tariff '" + seg.tariffId()
                            + "' of device '" + assignment.deviceId() + "' does not exist"))
                    : Future.succeededFuture(t)));
        }
        return Future.all(resolved).map(v -> {
            List<Segment> segments = new ArrayList<>();
            List<Tariff> list = new ArrayList<>();
            for (int i = 0; i < resolved.size(); i++) {
                Tariff t = resolved.get(i).result();
                Segment seg = assignment.segments().get(i);
                if (seg.from() == null) {
                    // older document shape: billed from the start of the cycle of the first assignment, as before
                    Instant since = assignment.firstAssignedAt() == null ? clock.instant()
                            : assignment.firstAssignedAt();
                    seg = new Segment(seg.tariffId(), seg.pinnedVersion(),
                            t.billingCycle().periodContaining(since, t.zone()).start(), seg.to());
                }
                segments.add(seg);
                list.add(t);
            }
            return new Supply(assignment, segments, list);
        });
    }

    /** Every billing period of the supply that has started, oldest first ({@link SupplySchedule#periods}). */
    List<Period> periods(Supply supply) {
        return SupplySchedule.periods(supply.parts(), clock.instant());
    }

    Period open(String deviceId, Supply supply) {
        Period open = SupplySchedule.open(periods(supply));
        if (open != null) {
            return open;
        }
        Segment last = supply.segments().get(supply.segments().size() - 1);
        throw new BillingNotFoundException("device '" + deviceId + "' has no tariff: its supply ended on "
                + last.to());
    }
}
