package org.smartenergy.platform.tariffjson;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.domain.tariff.DemandCharge;
import org.smartenergy.platform.domain.tariff.EnergyCharge;
import org.smartenergy.platform.domain.tariff.Tariff;

import java.time.LocalDate;

/** Renders a {@link Tariff} as its JSON document ({@link TariffJson#toJson}). */
final class TariffJsonWriter {

    private TariffJsonWriter() {
    }

    /** @return the JSON form of {@code tariff}; {@code fromJson(toJson(t))} equals {@code t} */
    static JsonObject toJson(Tariff tariff) {
        JsonObject json = new JsonObject()
                .put("id", tariff.id())
                .put("version", tariff.version())
                .put("currency", tariff.currency().getCurrencyCode())
                .put("zone", tariff.zone().getId())
                .put("billingCycle", new JsonObject().put("anchorDay", tariff.billingCycle().anchorDay()))
                .put("energy", energyJson(tariff.energy()));
        JsonArray riders = new JsonArray();
        tariff.riders().forEach(rider -> riders.add(new JsonObject()
                .put("name", rider.name()).put("pricePerKwh", rider.pricePerKwh().toPlainString())));
        json.put("riders", riders);
        json.put("standingChargePerDay", tariff.standingChargePerDay().toPlainString());
        if (tariff.demand() != null) {
            DemandCharge d = tariff.demand();
            json.put("demand", new JsonObject()
                    .put("price", d.price().toPlainString())
                    .put("basis", d.basis().name())
                    .put("windowMinutes", d.windowMinutes())
                    .put("bands", new JsonArray(d.bands().stream().sorted().toList())));
        }
        JsonArray taxes = new JsonArray();
        tariff.taxes().forEach(tax -> taxes.add(new JsonObject()
                .put("name", tax.name()).put("percent", tax.percent().toPlainString())));
        json.put("taxes", taxes);
        return json;
    }

    private static JsonObject energyJson(EnergyCharge energy) {
        if (energy instanceof EnergyCharge.Flat flat) {
            return new JsonObject().put("type", "flat").put("pricePerKwh", flat.pricePerKwh().toPlainString());
        }
        if (energy instanceof EnergyCharge.Tiered tiered) {
            JsonArray tiers = new JsonArray();
            for (EnergyCharge.Tier tier : tiered.tiers()) {
                JsonObject t = new JsonObject();
                if (tier.upToKwh() != null) {
                    t.put("upToKwh", tier.upToKwh().toPlainString());
                }
                tiers.add(t.put("pricePerKwh", tier.pricePerKwh().toPlainString()));
            }
            return new JsonObject().put("type", "tiered").put("prorateThresholds", tiered.prorateThresholds())
                    .put("tiers", tiers);
        }
        EnergyCharge.TimeOfUse tou = (EnergyCharge.TimeOfUse) energy;
        JsonArray seasons = new JsonArray();
        for (EnergyCharge.Season season : tou.seasons()) {
            JsonArray bands = new JsonArray();
            for (EnergyCharge.Band band : season.bands()) {
                bands.add(new JsonObject()
                        .put("name", band.name())
                        .put("dayTypes", new JsonArray(band.dayTypes().stream().sorted().map(Enum::name).toList()))
                        .put("from", band.from().toString())
                        .put("to", band.to().toString())
                        .put("pricePerKwh", band.pricePerKwh().toPlainString()));
            }
            seasons.add(new JsonObject()
                    .put("name", season.name())
                    .put("from", TariffJson.MONTH_DAY.format(season.from()))
                    .put("to", TariffJson.MONTH_DAY.format(season.to()))
                    .put("bands", bands));
        }
        return new JsonObject().put("type", "timeOfUse")
                .put("holidays", new JsonArray(tou.holidays().stream().sorted().map(LocalDate::toString).toList()))
                .put("seasons", seasons);
    }
}
