package org.smartenergy.platform.domain.tariff;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.flat;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.period;
import static org.smartenergy.platform.domain.tariff.TariffFixtures.tariff;

/** The periods of a supply, its open period and the periods due to be closed. UTC, monthly from the 1st. */
class SupplyScheduleTest {

    private static final Tariff A = tariff().energy(flat("0.20")).build();
    private static final Tariff B = tariff().energy(flat("0.30")).build();

    private static SupplySchedule.Part part(String from, String to, Tariff tariff) {
        return new SupplySchedule.Part(LocalDate.parse(from), to == null ? null : LocalDate.parse(to), tariff);
    }

    @Test
    void anOpenSupplyRunsToThePeriodContainingNowWhichIsTheOpenOne() {
        // GIVEN a move-in on 22 January, still supplied on 10 March
        List<SupplySchedule.Part> supply = List.of(part("2026-01-22", null, A));
        // WHEN its periods are listed
        List<SupplySchedule.Period> periods = SupplySchedule.periods(supply, Instant.parse("2026-03-10T12:00:00Z"));
        // THEN they run from the move-in to the period holding now, and only that last one is open
        assertThat(periods).containsExactly(
                new SupplySchedule.Period(period("2026-01-22", "2026-02-01"), A, false),
                new SupplySchedule.Period(period("2026-02-01", "2026-03-01"), A, false),
                new SupplySchedule.Period(period("2026-03-01", "2026-04-01"), A, true));
        assertThat(SupplySchedule.open(periods)).isEqualTo(periods.get(2));
    }

    @Test
    void anEndedSupplyIsCutAtEachChangeOfTariffAndHasNoOpenPeriod() {
        // GIVEN tariff A from 1 January, B from 15 January, a move-out on 10 February
        List<SupplySchedule.Part> supply = List.of(part("2026-01-01", "2026-01-15", A),
                part("2026-01-15", "2026-02-10", B));
        // WHEN its periods are listed in March
        List<SupplySchedule.Period> periods = SupplySchedule.periods(supply, Instant.parse("2026-03-01T00:00:00Z"));
        // THEN each part has its own periods with its own tariff, none open
        assertThat(periods).containsExactly(
                new SupplySchedule.Period(period("2026-01-01", "2026-01-15"), A, false),
                new SupplySchedule.Period(period("2026-01-15", "2026-02-01"), B, false),
                new SupplySchedule.Period(period("2026-02-01", "2026-02-10"), B, false));
        assertThat(SupplySchedule.open(periods)).isNull();
    }

    @Test
    void aPeriodNotStartedYetIsNotListed() {
        // GIVEN a supply that starts next month
        List<SupplySchedule.Part> supply = List.of(part("2026-04-01", null, A));
        // WHEN its periods are listed now THEN there is none
        assertThat(SupplySchedule.periods(supply, Instant.parse("2026-03-10T12:00:00Z"))).isEmpty();
    }

    @Test
    void aPeriodIsDueOnceItsEndPlusGraceHasPassed() {
        // GIVEN a supply since 1 January and a grace of 6 hours
        List<SupplySchedule.Part> supply = List.of(part("2026-01-01", null, A));
        Duration grace = Duration.ofHours(6);
        Instant justBefore = Instant.parse("2026-02-01T05:59:59Z");
        Instant atGraceEnd = Instant.parse("2026-02-01T06:00:00Z");
        // WHEN the due periods are computed a second before and at January's end plus grace
        // THEN January is due only at the end of the grace, the open February never
        assertThat(SupplySchedule.due(SupplySchedule.periods(supply, justBefore), justBefore, grace, 12)).isEmpty();
        assertThat(SupplySchedule.due(SupplySchedule.periods(supply, atGraceEnd), atGraceEnd, grace, 12))
                .extracting(SupplySchedule.Period::period)
                .containsExactly(period("2026-01-01", "2026-02-01"));
    }

    @Test
    void catchingUpClosesOnlyTheLatestPeriodsUpToTheLimit() {
        // GIVEN a supply since January 2025 never closed, in January 2026 (12 periods due)
        List<SupplySchedule.Part> supply = List.of(part("2025-01-01", null, A));
        Instant now = Instant.parse("2026-01-15T00:00:00Z");
        List<SupplySchedule.Period> periods = SupplySchedule.periods(supply, now);
        // WHEN the due periods are computed with a limit of 3
        List<SupplySchedule.Period> due = SupplySchedule.due(periods, now, Duration.ZERO, 3);
        // THEN the last three closed periods are due, oldest first
        assertThat(SupplySchedule.due(periods, now, Duration.ZERO, 12)).hasSize(12);
        assertThat(due).extracting(SupplySchedule.Period::period).containsExactly(
                period("2025-10-01", "2025-11-01"), period("2025-11-01", "2025-12-01"),
                period("2025-12-01", "2026-01-01"));
    }
}
