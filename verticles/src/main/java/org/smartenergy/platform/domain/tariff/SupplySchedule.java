package org.smartenergy.platform.domain.tariff;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Which billing periods a supply has, which of them is open and which are due to be closed. Pure rules: the caller
 * gathers the supply (segments and their tariffs) and passes the time.
 */
public final class SupplySchedule {

    /**
     * One part of a supply: billed with {@code tariff} from 00:00 local on {@code from} to 00:00 local on {@code to}.
     *
     * @param to the first day no longer supplied, or null while the supply lasts
     */
    public record Part(LocalDate from, LocalDate to, Tariff tariff) {
        public Part {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(tariff, "tariff");
        }

        /** @return true while the supply lasts */
        public boolean open() {
            return to == null;
        }
    }

    /**
     * A billing period of a supply and the tariff it is rated with.
     *
     * @param open true for the period of an open part that contains now (the running bill's period)
     */
    public record Period(BillingPeriod period, Tariff tariff, boolean open) {
    }

    private SupplySchedule() {
    }

    /**
     * Every billing period of the supply that has started by {@code now}, oldest first: per part, each cycle of its
     * tariff it touches, cut to the part ({@link BillingCycle#periods}); an open part up to the period containing now
     * (the open period, flagged).
     *
     * @param parts the supply, oldest first
     */
    public static List<Period> periods(List<Part> parts, Instant now) {
        List<Period> result = new ArrayList<>();
        for (Part part : parts) {
            Tariff t = part.tariff();
            LocalDate to = part.open() ? t.billingCycle().periodContaining(now, t.zone()).end() : part.to();
            if (!to.isAfter(part.from())) {
                continue;
            }
            for (BillingPeriod p : t.billingCycle().periods(part.from(), to)) {
                if (p.startInstant(t.zone()).isAfter(now)) {
                    break;
                }
                result.add(new Period(p, t, part.open() && now.isBefore(p.endInstant(t.zone()))));
            }
        }
        return result;
    }

    /** @return the open period (the last one, if flagged open), or null when the supply has ended */
    public static Period open(List<Period> periods) {
        return !periods.isEmpty() && periods.get(periods.size() - 1).open() ? periods.get(periods.size() - 1) : null;
    }

    /**
     * The periods due to be closed: those whose end (local to their tariff's zone) plus {@code grace} is not after
     * {@code now}, oldest first; of a longer run (catching up after an outage) only the last {@code maxCatchUp}.
     */
    public static List<Period> due(List<Period> periods, Instant now, Duration grace, int maxCatchUp) {
        List<Period> due = new ArrayList<>();
        for (Period p : periods) {
            if (!now.isBefore(p.period().endInstant(p.tariff().zone()).plus(grace))) {
                due.add(p);
            }
        }
        return List.copyOf(due.subList(Math.max(0, due.size() - maxCatchUp), due.size()));
    }
}
