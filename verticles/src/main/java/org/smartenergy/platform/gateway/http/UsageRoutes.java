package org.smartenergy.platform.gateway.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.smartenergy.platform.domain.Energy;
import org.smartenergy.platform.domain.UsageBucket;
import org.smartenergy.platform.domain.UsageStep;
import org.smartenergy.platform.gateway.GatewayException;
import org.smartenergy.platform.gateway.UsageQueries;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import static org.smartenergy.platform.gateway.http.HttpErrors.json;

/**
 * {@code GET /api/v1/devices/:id/usage?from=&to=&step=hour|day}: a device's usage in buckets, in exact kWh.
 * Instants outside years 1 to 9999, and ranges over 31 days hourly or 366 days daily, are refused with 400.
 */
final class UsageRoutes {

    static final Duration MAX_HOURLY_RANGE = Duration.ofDays(31);
    static final Duration MAX_DAILY_RANGE = Duration.ofDays(366);
    /** Usage queries lie in the range of a protobuf Timestamp (years 1 to 9999), like the readings themselves. */
    static final Instant MIN_INSTANT = Instant.parse("0001-01-01T00:00:00Z");
    static final Instant MAX_INSTANT = Instant.parse("9999-12-31T23:59:59.999999999Z");

    private final DeviceRoutes devices;
    private final UsageQueries usage;

    UsageRoutes(DeviceRoutes devices, UsageQueries usage) {
        this.devices = Objects.requireNonNull(devices, "devices");
        this.usage = Objects.requireNonNull(usage, "usage");
    }

    void mount(Router router) {
        router.get("/api/v1/devices/:id/usage").handler(OperatorAuth.reader()).handler(this::getUsage);
    }


    /** A validated usage query. */
    record UsageQuery(Instant from, Instant to, UsageStep step) {
    }

    /**
     * @return the query, or fails with INVALID_ARGUMENT naming the problem
     */
    static UsageQuery usageQuery(String from, String to, String step) {
        if (from == null || to == null || step == null) {
            throw new GatewayException(GatewayException.Kind.INVALID_ARGUMENT,
                    "query parameters from, to (ISO-8601 instants) and step (hour|day) are required");
        }
        Instant start;
        Instant end;
        try {
            start = Instant.parse(from);
            end = Instant.parse(to);
        } catch (DateTimeParseException e) {
            throw new GatewayException(GatewayException.Kind.INVALID_ARGUMENT,
                    "from and to must be ISO-8601 instants such as 2025-01-31T00:00:00Z");
        }
        UsageStep usageStep = UsageStep.parse(step);
        if (usageStep == null) {
            throw new GatewayException(GatewayException.Kind.INVALID_ARGUMENT, "step must be hour or day");
        }
        if (start.isBefore(MIN_INSTANT) || end.isAfter(MAX_INSTANT)) {
            throw new GatewayException(GatewayException.Kind.INVALID_ARGUMENT,
                    "from and to must lie between " + MIN_INSTANT + " and " + MAX_INSTANT);
        }
        if (!start.isBefore(end)) {
            throw new GatewayException(GatewayException.Kind.INVALID_ARGUMENT, "from must be before to");
        }
        Duration max = usageStep == UsageStep.HOUR ? MAX_HOURLY_RANGE : MAX_DAILY_RANGE;
        if (Duration.between(start, end).compareTo(max) > 0) {
            throw new GatewayException(GatewayException.Kind.INVALID_ARGUMENT, "the range may span at most "
                    + max.toDays() + " days for step " + usageStep.name().toLowerCase(Locale.ROOT));
        }
        return new UsageQuery(start, end, usageStep);
    }

    private void getUsage(RoutingContext ctx) {
        String deviceId = ctx.pathParam("id");
        UsageQuery query;
        try {
            query = usageQuery(ctx.queryParams().get("from"), ctx.queryParams().get("to"),
                    ctx.queryParams().get("step"));
        } catch (GatewayException e) {
            ctx.fail(e);
            return;
        }
        devices.existing(deviceId)
                .compose(device -> usage.usage(deviceId, query.from(), query.to(), query.step()))
                .onSuccess(buckets -> json(ctx, 200, usageJson(deviceId, query, buckets)))
                .onFailure(ctx::fail);
    }

    static JsonObject usageJson(String deviceId, UsageQuery query, List<UsageBucket> buckets) {
        JsonArray array = new JsonArray();
        long totalMwh = 0;
        long readings = 0;
        for (UsageBucket bucket : buckets) {
            array.add(new JsonObject()
                    .put("start", bucket.start().toString())
                    .put("kwh", kwh(bucket.usageMwh()))
                    .put("readings", bucket.readings()));
            totalMwh = Math.addExact(totalMwh, bucket.usageMwh());
            readings += bucket.readings();
        }
        return new JsonObject()
                .put("deviceId", deviceId)
                .put("from", query.from().toString())
                .put("to", query.to().toString())
                .put("step", query.step().name().toLowerCase(Locale.ROOT))
                .put("unit", "kWh")
                .put("buckets", array)
                .put("totalKwh", kwh(totalMwh))
                .put("readings", readings);
    }

    /** Exact decimal, never scientific notation, no binary floating point on the way. */
    private static BigDecimal kwh(long mwh) {
        BigDecimal kwh = Energy.toKwhExact(mwh).stripTrailingZeros();
        return kwh.scale() < 0 ? kwh.setScale(0) : kwh;
    }
}
