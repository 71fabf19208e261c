/**
 * Tariffs and the rating engine: turning a billing period's meter readings into a {@link
 * org.smartenergy.platform.domain.tariff.Bill}. Plain Java, no Vert.x types, no I/O.
 *
 * <h2>Entry points</h2>
 * <ul>
 *   <li>{@link org.smartenergy.platform.domain.tariff.Tariff} – the immutable model; its constructor validates the whole
 *       tariff and throws {@link org.smartenergy.platform.domain.tariff.InvalidTariffException} listing every problem.</li>
 *   <li>{@link org.smartenergy.platform.domain.tariff.TariffEngine#rate} – rates readings for a
 *       {@link org.smartenergy.platform.domain.tariff.BillingPeriod} (see its class documentation for the rules on
 *       de-duplication, splitting of readings, DST, proration and rounding);
 *       {@link org.smartenergy.platform.domain.tariff.TariffEngine#adjustmentFor} – the correction of a re-rated
 *       closed period.</li>
 *   <li>{@link org.smartenergy.platform.domain.tariff.BillView} – a bill as the services hand it to the edges (the
 *       operator API's JSON and the {@code energy.v1.Bill} message are mapped from it there).</li>
 *   <li>{@code org.smartenergy.platform.tariffjson.TariffJson} – reads and writes the JSON form below (it lives
 *       outside this package because it uses Vert.x's {@code JsonObject}).</li>
 * </ul>
 *
 * <h2>Tariff JSON document</h2>
 * Decimal values (prices, thresholds, percentages) are JSON <b>strings</b> such as {@code "0.2512"} (a JSON integer such
 * as {@code 19} is also accepted); a JSON number with a fraction is refused, because it would be read as binary
 * floating point. Prices are in units of the currency (EUR, not cents). Every decimal is bounded in size (at most 12
 * digits before the point; at most 10 decimals for prices, 6 for thresholds and percentages; percentages 0 to 100)
 * and lists in length: see {@link org.smartenergy.platform.domain.tariff.TariffLimits}.
 * <pre>
 * {
 *   "id": "residential-tou-de",          required, not blank
 *   "version": 2,                         required, integer &gt;= 1
 *   "currency": "EUR",                    required, ISO 4217 code with a minor unit; amounts round to it
 *   "zone": "Europe/Berlin",              required, IANA zone id; periods, days, seasons, bands are local to it
 *   "billingCycle": { "anchorDay": 1 },   required, 1..28: periods run [anchor day 00:00, same day next month 00:00)
 *   "energy": { ... },                    required, one of the three forms below
 *   "riders": [                           optional: per-kWh lines on all energy; negative = credit
 *     { "name": "Grid levy", "pricePerKwh": "0.0070" } ],
 *   "standingChargePerDay": "0.4500",     optional (default 0), &gt;= 0, per calendar day of the period
 *   "demand": {                           optional
 *     "price": "0.0150",                  &gt;= 0
 *     "basis": "PER_KW_PER_DAY",          PER_KW (price x kW, per period) or PER_KW_PER_DAY (price x kW x days)
 *     "windowMinutes": 15,                optional (default 15), a divisor of 60
 *     "bands": ["peak"] },                optional: only energy in these time-of-use bands counts (default: all)
 *   "taxes": [                            optional: each a percentage of the subtotal, on its own line
 *     { "name": "VAT", "percent": "19" } ]
 * }
 * </pre>
 * Energy forms:
 * <pre>
 * { "type": "flat", "pricePerKwh": "0.2500" }
 *
 * { "type": "tiered", "prorateThresholds": true,        thresholds x days in partial / days in full period
 *   "tiers": [ { "upToKwh": "100", "pricePerKwh": "0.10" },   cumulative upper bounds, increasing, &gt; 0
 *              { "upToKwh": "300", "pricePerKwh": "0.15" },
 *              { "pricePerKwh": "0.20" } ] }                  the last tier has no upToKwh: all the rest
 *
 * { "type": "timeOfUse",
 *   "holidays": ["2026-01-01", "2026-12-25"],           local dates rated as HOLIDAY
 *   "seasons": [                                         must cover every day of the year (02-29 too) exactly once
 *     { "name": "winter", "from": "10-01", "to": "03-31",   MM-dd, both inclusive; may wrap the year end
 *       "bands": [                                       per season and day type: every minute exactly once
 *         { "name": "peak", "dayTypes": ["WEEKDAY"], "from": "07:00", "to": "20:00", "pricePerKwh": "0.34" },
 *         { "name": "off-peak", "dayTypes": ["WEEKDAY"], "from": "20:00", "to": "07:00", "pricePerKwh": "0.21" },
 *         { "name": "off-peak", "dayTypes": ["WEEKEND", "HOLIDAY"], "from": "00:00", "to": "00:00",
 *           "pricePerKwh": "0.21" } ] } ] }
 * </pre>
 * Band times are local wall-clock {@code HH:mm}, {@code from} inclusive, {@code to} exclusive; {@code to} before
 * {@code from} crosses midnight; {@code "00:00"} or {@code "24:00"} as {@code to} means midnight; {@code from} equal
 * to {@code to} is the whole day. Day types: a listed holiday is {@code HOLIDAY}; otherwise Saturday and Sunday are
 * {@code WEEKEND}, other days {@code WEEKDAY}. The local date of each moment decides its season and day type, so the
 * part after midnight of a band crossing midnight belongs to the next day. Bands sharing a season, name and price
 * are billed on one line. A complete example: {@code verticles/src/test/resources/tariffs/example-tou.json}; a bill
 * worked by hand from it: the README section "Tariffs and bills".
 *
 * <h2>Validation</h2>
 * Refused, each with a message naming the element: missing fields; unknown currency or zone, currency without minor
 * unit; anchor day outside 1..28; negative energy, standing, demand price or tax; tiers empty, thresholds not
 * positive, out of order, finer than a mWh, or a bounded last / unbounded middle tier; seasons overlapping or leaving
 * days uncovered; bands overlapping or leaving minutes uncovered (per season and day type), bands with no day type
 * or times finer than a minute; a demand window that does not divide an hour; demand limited to bands that do not
 * exist or on a tariff that is not time-of-use; duplicate tax names, a tax over 100 %; any decimal or list outside
 * the bounds of {@link org.smartenergy.platform.domain.tariff.TariffLimits} (named by its JSON path, e.g.
 * {@code energy.tiers[0].pricePerKwh}; such a value takes part in no other check). The JSON reader reports what is
 * missing or malformed and the rule problems of everything it could read together, so one answer names them all.
 */
package org.smartenergy.platform.domain.tariff;
