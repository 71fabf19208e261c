package org.smartenergy.platform.tariffjson;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.domain.tariff.BillingCycle;
import org.smartenergy.platform.domain.tariff.DemandCharge;
import org.smartenergy.platform.domain.tariff.EnergyCharge;
import org.smartenergy.platform.domain.tariff.InvalidTariffException;
import org.smartenergy.platform.domain.tariff.Rider;
import org.smartenergy.platform.domain.tariff.Tariff;
import org.smartenergy.platform.domain.tariff.TariffLimits;
import org.smartenergy.platform.domain.tariff.TariffValidator;
import org.smartenergy.platform.domain.tariff.Tax;

import java.math.BigDecimal;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Currency;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads and writes the tariff JSON document described in the {@code org.smartenergy.platform.domain.tariff} package
 * documentation. The thin Vert.x adapter in front of the pure model: parsing collects every problem (missing fields,
 * unknown currency or zone, malformed values) and then lets the {@link Tariff} constructor add the rule checks, so
 * one {@link InvalidTariffException} lists everything wrong with a document.
 *
 * <p>Decimal values (prices, thresholds, percentages) must be JSON strings ({@code "0.2512"}) or integers
 * ({@code 19}): a JSON number with a fraction would pass through binary floating point, which has no place in money.
 *
 * <p>One format for both of its users: the operator API reads and answers it ({@code gateway.http.TariffRoutes}) and
 * billing stores it in the {@code tariffs} collection and re-validates it when read back
 * ({@code billing.bills.TariffRepository}). Field reading, bounds and the energy forms are {@link TariffJsonReader}'s,
 * rendering {@link TariffJsonWriter}'s.
 */
public final class TariffJson {

    static final DateTimeFormatter MONTH_DAY = DateTimeFormatter.ofPattern("MM-dd", Locale.ROOT);

    private TariffJson() {
    }

    /** Parses a JSON text; see {@link #fromJson(JsonObject)}. */
    public static Tariff parse(String json) {
        JsonObject object;
        try {
            object = new JsonObject(json);
        } catch (DecodeException | ClassCastException e) {
            throw new InvalidTariffException(List.of("not a JSON object: " + e.getMessage()));
        }
        return fromJson(object);
    }

    /**
     * Builds a tariff from its JSON form.
     *
     * <p>Every problem is collected: what is missing, malformed or out of the bounds of {@link TariffLimits} (each
     * named by its JSON path, e.g. {@code energy.tiers[0].pricePerKwh}), and the rule problems of everything that
     * could be read, so one answer lists everything wrong with a document. A decimal is checked on its text length
     * before it is parsed and on its precision and scale after, never expanded or computed with before it passed.
     *
     * @throws InvalidTariffException naming every problem found
     */
    public static Tariff fromJson(JsonObject json) {
        TariffJsonReader r = new TariffJsonReader();
        String id = r.string(json, "", "id", true);
        Integer version = r.integer(json, "", "version", true);
        Currency currency = r.get(json, "", "currency", true, Currency::getInstance, "an ISO 4217 currency code");
        ZoneId zone = r.get(json, "", "zone", true, ZoneId::of, "an IANA time zone");
        JsonObject cycleJson = r.object(json, "", "billingCycle", true);
        BillingCycle cycle = null;
        if (cycleJson != null) {
            Integer anchor = r.integer(cycleJson, "billingCycle", "anchorDay", true);
            cycle = anchor == null ? null : new BillingCycle(anchor);
        }
        JsonObject energyJson = r.object(json, "", "energy", true);
        EnergyCharge energy = energyJson == null ? null : r.energy(energyJson);
        List<Rider> riders = new ArrayList<>();
        List<JsonObject> riderJson = r.objects(json, "", "riders", TariffLimits.MAX_RIDERS);
        for (int i = 0; i < riderJson.size(); i++) {
            JsonObject o = riderJson.get(i);
            String at = "riders[" + i + "]";
            String name = o == null ? null : r.string(o, at, "name", true);
            BigDecimal price = o == null ? null : r.price(o, at, "pricePerKwh", TariffLimits.Kind.SIGNED_PRICE);
            if (name != null) {
                riders.add(new Rider(name, price));
            }
        }
        BigDecimal standing = r.decimal(json, "", "standingChargePerDay", false, TariffLimits.Kind.PRICE);
        DemandCharge demand = null;
        JsonObject demandJson = r.object(json, "", "demand", false);
        if (demandJson != null) {
            BigDecimal price = r.price(demandJson, "demand", "price", TariffLimits.Kind.PRICE);
            DemandCharge.Basis basis = r.get(demandJson, "demand", "basis", true, DemandCharge.Basis::valueOf,
                    "PER_KW or PER_KW_PER_DAY");
            Integer window = r.integer(demandJson, "demand", "windowMinutes", false);
            Set<String> bands = new LinkedHashSet<>(r.strings(demandJson, "demand", "bands",
                    TariffLimits.MAX_DEMAND_BANDS));
            if (basis != null) {
                demand = new DemandCharge(price, basis, window == null ? DemandCharge.DEFAULT_WINDOW_MINUTES : window,
                        bands);
            }
        }
        List<Tax> taxes = new ArrayList<>();
        List<JsonObject> taxJson = r.objects(json, "", "taxes", TariffLimits.MAX_TAXES);
        for (int i = 0; i < taxJson.size(); i++) {
            JsonObject o = taxJson.get(i);
            String at = "taxes[" + i + "]";
            String name = o == null ? null : r.string(o, at, "name", true);
            BigDecimal percent = o == null ? null : r.price(o, at, "percent", TariffLimits.Kind.PERCENT);
            if (name != null) {
                taxes.add(new Tax(name, percent));
            }
        }
        if (!r.problems.isEmpty()) {
            // what could be read is still checked against the rules, so the answer names every problem at once;
            // values that failed to read were replaced by 0 or left out and take part in no rule
            List<String> all = new ArrayList<>(r.problems);
            all.addAll(TariffValidator.ruleProblems(id, version, currency, cycle, r.energyUsable ? energy : null,
                    riders, standing, demand, taxes));
            throw new InvalidTariffException(all);
        }
        return new Tariff(id, version, currency, zone, cycle, energy, riders, standing, demand, taxes);
    }

    /**
     * Builds the tariff an operator's creation body describes: its {@code version}, if any, is not the operator's to
     * choose and is read as 1 (the store assigns the next free one), every other problem as in
     * {@link #fromJson(JsonObject)}.
     *
     * @throws InvalidTariffException naming every problem found
     */
    public static Tariff definition(JsonObject body) {
        return fromJson(body.copy().put("version", 1));
    }

    /** @return the JSON form of {@code tariff}; {@code fromJson(toJson(t))} equals {@code t} */
    public static JsonObject toJson(Tariff tariff) {
        return TariffJsonWriter.toJson(tariff);
    }
}
