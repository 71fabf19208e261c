package org.smartenergy.platform.domain.tariff;

import java.math.BigDecimal;
import java.util.Currency;
import java.util.List;
import java.time.ZoneId;

/**
 * A tariff: everything needed to turn a period's readings into a {@link Bill}. Immutable; constructing one
 * validates it as a whole and throws {@link InvalidTariffException} listing every problem, so an invalid tariff
 * cannot exist. See the package documentation for the rules and the JSON form.
 *
 * @param id                   identifier, not blank
 * @param version              1 or more; (id, version) identifies the exact rules a bill was rated with
 * @param currency             ISO 4217; amounts are rounded to its minor unit
 *                             ({@link Currency#getDefaultFractionDigits()})
 * @param zone                 IANA zone: periods, days, seasons and bands are local to it
 * @param billingCycle         monthly anchor day
 * @param energy               how kWh are priced
 * @param riders               per-kWh adjustments on all energy, may be empty
 * @param standingChargePerDay per calendar day of the period, not negative (zero: none)
 * @param demand               demand charge, or null for none
 * @param taxes                percentages of the subtotal, may be empty
 */
public record Tariff(String id, int version, Currency currency, ZoneId zone, BillingCycle billingCycle,
                     EnergyCharge energy, List<Rider> riders, BigDecimal standingChargePerDay, DemandCharge demand,
                     List<Tax> taxes) {

    public Tariff {
        riders = riders == null ? List.of() : List.copyOf(riders);
        taxes = taxes == null ? List.of() : List.copyOf(taxes);
        // the bounds of TariffLimits are checked first: an out-of-bounds value takes part in no other check
        standingChargePerDay = standingChargePerDay == null ? BigDecimal.ZERO : standingChargePerDay;
        List<String> problems = TariffValidator.problems(id, version, currency, zone, billingCycle, energy, riders,
                standingChargePerDay, demand, taxes);
        if (!problems.isEmpty()) {
            throw new InvalidTariffException(problems);
        }
    }

    /** @return the number of decimals amounts are rounded to (the currency's minor unit) */
    public int minorUnitDigits() {
        return currency.getDefaultFractionDigits();
    }
}
