package org.smartenergy.platform.gateway;

import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.Vertx;
import org.smartenergy.platform.analytics.AnalyticsApi;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.smartenergy.platform.billing.ReadingStore;
import org.smartenergy.platform.billing.bills.BillJson;
import org.smartenergy.platform.billing.bills.BillService;
import org.smartenergy.platform.billing.bills.BillingNotFoundException;
import org.smartenergy.platform.billing.bills.AssignmentRejectedException;
import org.smartenergy.platform.billing.tariff.TariffJson;
import org.smartenergy.platform.domain.tariff.InvalidTariffException;
import org.smartenergy.platform.domain.tariff.Tariff;
import org.smartenergy.platform.device.Device;
import org.smartenergy.platform.device.DeviceRegistry;
import org.smartenergy.platform.domain.DeviceTokens;
import org.smartenergy.platform.domain.Energy;
import org.smartenergy.platform.domain.UsageBucket;
import org.smartenergy.platform.domain.UsageStep;
import org.smartenergy.platform.domain.ValidationRules;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The operator HTTP API (JSON) and the health checks.
 *
 * <p>{@code /api/*} needs {@code Authorization: Bearer <operator JWT>} ({@link OperatorTokens}): no or an invalid
 * token answers 401, a valid one without a fitting role 403. Errors are {@code {"error": ..., "message": ...}}
 * bodies with the status {@link ErrorMapping} assigns (an invalid tariff adds {@code "problems": [...]}, every
 * problem at once).
 *
 * <p>Hostile input is refused before any work: a body over the limit with 413 and {@code Connection: close} (the
 * connection is closed after the answer, since the rest of the body was never read); a body that is not JSON, or
 * JSON that is not an object, with 400 and the reason; a body declared with another content type with 415; a path
 * that cannot be percent-decoded with 400 (logged at debug); usage instants outside years 1 to 9999 and bill periods
 * that are not {@code yyyy-MM} with 400. Tariff decimals are bounded by {@code TariffLimits}.
 */
final class OperatorApi {

    /** POST bodies are tiny; anything bigger is refused with 413 before it is buffered. */
    static final long MAX_BODY_BYTES = 16 * 1024;
    /** A time-of-use tariff with many seasons and bands is bigger than a device. */
    static final long MAX_TARIFF_BODY_BYTES = 256 * 1024;
    /** Issued bills listed at most (ten years of monthly bills). */
    static final int MAX_LISTED_BILLS = 120;
    static final int MAX_NAME_LENGTH = 256;
    static final Duration MAX_HOURLY_RANGE = Duration.ofDays(31);
    static final Duration MAX_DAILY_RANGE = Duration.ofDays(366);
    /** Usage queries lie in the range of a protobuf Timestamp (years 1 to 9999), like the readings themselves. */
    static final Instant MIN_INSTANT = Instant.parse("0001-01-01T00:00:00Z");
    static final Instant MAX_INSTANT = Instant.parse("9999-12-31T23:59:59.999999999Z");
    /** A bill period in a path: a four-digit year and a month. */
    private static final java.util.regex.Pattern PERIOD = java.util.regex.Pattern.compile("\\d{4}-\\d{2}");

    private static final Logger LOG = LoggerFactory.getLogger(OperatorApi.class);
    private static final String OPERATOR = "operator";
    private static final String JSON = "application/json";

    private final Vertx vertx;
    private final JWTAuth jwt;
    private final DeviceRegistry devices;
    private final ReadingStore usage;
    private final BillService bills;
    private final BooleanSupplier ready;

    private static final long ANALYTICS_TIMEOUT_MS = 5_000;

    OperatorApi(Vertx vertx, JWTAuth jwt, DeviceRegistry devices, ReadingStore usage, BooleanSupplier ready) {
        this(vertx, jwt, devices, usage, null, ready);
    }

    /** @param bills tariffs and bills, or null for an API without them */
    OperatorApi(Vertx vertx, JWTAuth jwt, DeviceRegistry devices, ReadingStore usage, BillService bills,
                BooleanSupplier ready) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.jwt = Objects.requireNonNull(jwt, "jwt");
        this.devices = Objects.requireNonNull(devices, "devices");
        this.usage = Objects.requireNonNull(usage, "usage");
        this.bills = bills;
        this.ready = Objects.requireNonNull(ready, "ready");
    }

    Router router() {
        Router router = Router.router(vertx);
        router.get("/health/live").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "UP")));
        router.get("/health/ready").handler(ctx -> {
            boolean up = ready.getAsBoolean();
            json(ctx, up ? 200 : 503, new JsonObject().put("status", up ? "UP" : "DOWN"));
        });

        // the body is read before any asynchronous step, and bounded (tariffs may be bigger than the rest; the
        // general handler below skips a body already read)
        router.post("/api/v1/tariffs").handler(BodyHandler.create(false).setBodyLimit(MAX_TARIFF_BODY_BYTES));
        router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
        router.route("/api/*").handler(this::authenticate);
        router.route("/api/*").handler(OperatorApi::requireJsonBody);
        router.post("/api/v1/devices").handler(requireRole(OperatorTokens.ADMIN)).handler(this::createDevice);
        router.get("/api/v1/devices/:id").handler(requireRole(OperatorTokens.ADMIN, OperatorTokens.VIEWER))
                .handler(this::getDevice);
        router.get("/api/v1/devices/:id/usage").handler(requireRole(OperatorTokens.ADMIN, OperatorTokens.VIEWER))
                .handler(this::getUsage);
        router.get("/api/v1/analytics/today").handler(requireRole(OperatorTokens.ADMIN, OperatorTokens.VIEWER))
                .handler(ctx -> analytics(ctx, new JsonObject().put("query", AnalyticsApi.QUERY_TODAY)));
        router.get("/api/v1/analytics/top-consumers")
                .handler(requireRole(OperatorTokens.ADMIN, OperatorTokens.VIEWER))
                .handler(this::topConsumers);
        if (bills != null) {
            tariffAndBillRoutes(router);
        }

        router.route().failureHandler(this::onFailure);
        // the router's own refusals (a path that cannot be decoded, such as "%ZZ", is a 400 before any route)
        router.errorHandler(400, ctx -> {
            LOG.debug("bad request refused by the router [uri: {}]: {}", shorten(ctx.request().uri()),
                    ctx.failure() == null ? null : ctx.failure().toString());
            error(ctx, 400, "bad_request", "the request could not be parsed (is the path correctly percent-encoded?)");
        });
        router.errorHandler(404, ctx -> error(ctx, 404, "not_found", "no such resource"));
        router.errorHandler(405, ctx -> error(ctx, 405, "method_not_allowed", "method not allowed"));
        router.errorHandler(413, ctx -> error(ctx, 413, "payload_too_large", tooLarge(ctx)));
        return router;
    }

    // ---------------------------------------------------------------- authentication and roles

    private void authenticate(RoutingContext ctx) {
        String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() <= 7) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer");
            error(ctx, 401, "unauthenticated", "an operator token is required (Authorization: Bearer <JWT>)");
            return;
        }
        jwt.authenticate(new TokenCredentials(header.substring(7).trim()))
                .onSuccess(user -> {
                    ctx.put(OPERATOR, user);
                    ctx.next();
                })
                .onFailure(t -> {
                    LOG.debug("operator token refused [path: {}]: {}", ctx.request().path(), t.getMessage());
                    ctx.response().putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
                    error(ctx, 401, "unauthenticated", "invalid or expired operator token");
                });
    }

    private io.vertx.core.Handler<RoutingContext> requireRole(String... accepted) {
        Set<String> roles = Set.of(accepted);
        return ctx -> {
            User user = ctx.get(OPERATOR);
            List<String> held = roles(user);
            if (held.stream().anyMatch(roles::contains)) {
                ctx.next();
            } else {
                LOG.debug("operator lacks role [subject: {}, needs one of: {}, has: {}]",
                        user == null ? null : user.subject(), roles, held);
                error(ctx, 403, "forbidden", "this operation needs one of the roles " + roles.stream().sorted()
                        .toList());
            }
        };
    }

    private static List<String> roles(User user) {
        if (user == null) {
            return List.of();
        }
        Object value = user.containsKey(OperatorTokens.ROLES_CLAIM) ? user.get(OperatorTokens.ROLES_CLAIM) : null;
        if (value instanceof JsonArray array) {
            return array.stream().filter(String.class::isInstance).map(String.class::cast).toList();
        }
        return List.of();
    }

    // ---------------------------------------------------------------- devices

    private void createDevice(RoutingContext ctx) {
        JsonObject body = jsonObjectBody(ctx, "{\"deviceId\": ..., \"name\": ...}");
        if (body == null) {
            return;
        }
        Object idValue = body.getValue("deviceId");
        Object nameValue = body.getValue("name");
        String problem = deviceIdProblem(idValue);
        if (problem == null && nameValue != null
                && (!(nameValue instanceof String n) || n.length() > MAX_NAME_LENGTH)) {
            problem = "name must be a string of at most " + MAX_NAME_LENGTH + " characters";
        }
        if (problem != null) {
            error(ctx, 400, "bad_request", problem);
            return;
        }
        String deviceId = (String) idValue;
        String name = nameValue == null ? "" : (String) nameValue;
        String token = DeviceTokens.newToken();
        User operator = ctx.get(OPERATOR);
        devices.create(deviceId, name, DeviceTokens.hash(token))
                .onSuccess(device -> {
                    LOG.info("device provisioned [deviceId: {}, operator: {}]", deviceId, operator.subject());
                    ctx.response().putHeader(HttpHeaders.LOCATION, "/api/v1/devices/" + deviceId);
                    json(ctx, 201, deviceJson(device).put("token", token));
                })
                .onFailure(ctx::fail);
    }

    /** @return why the value is not a valid device id, or null if it is one */
    static String deviceIdProblem(Object value) {
        if (!(value instanceof String id) || id.isEmpty() || id.length() > ValidationRules.MAX_DEVICE_ID_LENGTH) {
            return "deviceId must be a string of 1 to " + ValidationRules.MAX_DEVICE_ID_LENGTH + " characters";
        }
        boolean clean = id.codePoints().noneMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c)
                || c == '/' || c == '?' || c == '#' || c == '%');
        return clean ? null : "deviceId must not contain whitespace, control characters, '/', '?', '#' or '%'";
    }

    private void getDevice(RoutingContext ctx) {
        existingDevice(ctx.pathParam("id"))
                .onSuccess(device -> json(ctx, 200, deviceJson(device)))
                .onFailure(ctx::fail);
    }

    private Future<Device> existingDevice(String deviceId) {
        return devices.find(deviceId).compose(device -> device != null
                ? Future.succeededFuture(device)
                : Future.failedFuture(new GatewayException(GatewayException.Kind.NOT_FOUND,
                        "device '" + deviceId + "' does not exist")));
    }

    private static JsonObject deviceJson(Device device) {
        return new JsonObject()
                .put("deviceId", device.deviceId())
                .put("name", device.name())
                .put("createdAt", device.createdAt() == null ? null : device.createdAt().toString());
    }

    // ---------------------------------------------------------------- usage

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
                    + max.toDays() + " days for step " + usageStep.name().toLowerCase(java.util.Locale.ROOT));
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
        existingDevice(deviceId)
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
                .put("step", query.step().name().toLowerCase(java.util.Locale.ROOT))
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

    // ---------------------------------------------------------------- tariffs and bills

    private void tariffAndBillRoutes(Router router) {
        router.post("/api/v1/tariffs").handler(requireRole(OperatorTokens.ADMIN)).handler(this::createTariff);
        router.get("/api/v1/tariffs").handler(requireRole(OperatorTokens.ADMIN, OperatorTokens.VIEWER))
                .handler(this::listTariffs);
        router.get("/api/v1/tariffs/:id").handler(requireRole(OperatorTokens.ADMIN, OperatorTokens.VIEWER))
                .handler(this::getTariff);
        router.put("/api/v1/devices/:id/tariff").handler(requireRole(OperatorTokens.ADMIN))
                .handler(this::assignTariff);
        router.delete("/api/v1/devices/:id/tariff").handler(requireRole(OperatorTokens.ADMIN))
                .handler(this::endSupply);
        router.get("/api/v1/devices/:id/bills").handler(requireRole(OperatorTokens.ADMIN, OperatorTokens.VIEWER))
                .handler(this::listBills);
        // before ":period", which would otherwise take "current"
        router.get("/api/v1/devices/:id/bills/current")
                .handler(requireRole(OperatorTokens.ADMIN, OperatorTokens.VIEWER))
                .handler(ctx -> bills.currentJson(ctx.pathParam("id"))
                        .onSuccess(json -> json(ctx, 200, json))
                        .onFailure(ctx::fail));
        router.get("/api/v1/devices/:id/bills/:period")
                .handler(requireRole(OperatorTokens.ADMIN, OperatorTokens.VIEWER))
                .handler(this::getBill);
    }

    private void createTariff(RoutingContext ctx) {
        JsonObject body = jsonObjectBody(ctx, "a tariff");
        if (body == null) {
            return;
        }
        User operator = ctx.get(OPERATOR);
        bills.tariffs().create(body, bills.clock().instant())
                .onSuccess(tariff -> {
                    LOG.info("tariff created [tariffId: {}, version: {}, operator: {}]", tariff.id(), tariff.version(),
                            operator.subject());
                    ctx.response().putHeader(HttpHeaders.LOCATION,
                            "/api/v1/tariffs/" + tariff.id() + "?version=" + tariff.version());
                    json(ctx, 201, TariffJson.toJson(tariff));
                })
                .onFailure(ctx::fail);
    }

    private void listTariffs(RoutingContext ctx) {
        bills.tariffs().latestOfEach()
                .onSuccess(list -> {
                    JsonArray array = new JsonArray();
                    list.forEach(t -> array.add(TariffJson.toJson(t)));
                    json(ctx, 200, new JsonObject().put("tariffs", array));
                })
                .onFailure(ctx::fail);
    }

    private void getTariff(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        String versionParam = ctx.queryParams().get("version");
        Integer version;
        try {
            version = versionParam == null ? null : Integer.valueOf(versionParam);
        } catch (NumberFormatException e) {
            error(ctx, 400, "bad_request", "version must be a whole number");
            return;
        }
        existingTariff(id, version)
                .onSuccess(tariff -> json(ctx, 200, TariffJson.toJson(tariff)))
                .onFailure(ctx::fail);
    }

    private Future<Tariff> existingTariff(String id, Integer version) {
        Future<Tariff> found = version == null ? bills.tariffs().latest(id) : bills.tariffs().version(id, version);
        return found.compose(tariff -> tariff != null
                ? Future.succeededFuture(tariff)
                : Future.failedFuture(new BillingNotFoundException("tariff '" + id + "'"
                        + (version == null ? "" : " version " + version) + " does not exist")));
    }

    private void assignTariff(RoutingContext ctx) {
        String deviceId = ctx.pathParam("id");
        JsonObject body;
        try {
            body = ctx.body().asJsonObject();
        } catch (DecodeException | ClassCastException e) {
            body = null;
        }
        if (body == null || !(body.getValue("tariffId") instanceof String tariffId) || tariffId.isBlank()
                || (body.getValue("version") != null && !(body.getValue("version") instanceof Integer))) {
            error(ctx, 400, "bad_request",
                    "the body must be {\"tariffId\": \"...\"} with an optional whole \"version\" to pin"
                            + " and an optional \"effectiveFrom\" instant");
            return;
        }
        Integer pinned = body.getInteger("version");
        Instant effective;
        try {
            effective = effectiveInstant(body.getValue("effectiveFrom"));
        } catch (IllegalArgumentException e) {
            error(ctx, 400, "bad_request", "effectiveFrom " + e.getMessage());
            return;
        }
        existingDevice(deviceId)
                .compose(device -> existingTariff(tariffId, pinned))
                .compose(tariff -> bills.assign(deviceId, tariff, pinned, effective)
                        .compose(segment -> bills.evictCache(deviceId).map(segment))
                        .map(segment -> new JsonObject().put("deviceId", deviceId).put("tariffId", tariffId)
                                .put("version", pinned).put("effectiveVersion", tariff.version())
                                .put("effectiveFrom", segment.from().toString())))
                .recover(OperatorApi::supplyRejection)
                .onSuccess(answer -> {
                    LOG.info("tariff assigned [deviceId: {}, tariffId: {}, pinnedVersion: {}, from: {}]", deviceId,
                            tariffId, pinned, answer.getString("effectiveFrom"));
                    json(ctx, 200, answer);
                })
                .onFailure(ctx::fail);
    }

    private void endSupply(RoutingContext ctx) {
        String deviceId = ctx.pathParam("id");
        Instant effective;
        try {
            effective = effectiveInstant(ctx.request().getParam("effectiveTo"));
        } catch (IllegalArgumentException e) {
            error(ctx, 400, "bad_request", "effectiveTo " + e.getMessage());
            return;
        }
        existingDevice(deviceId)
                .compose(device -> bills.endSupply(deviceId, effective))
                .compose(segment -> bills.evictCache(deviceId).map(segment))
                .recover(OperatorApi::supplyRejection)
                .onSuccess(segment -> {
                    LOG.info("supply ended [deviceId: {}, tariffId: {}, to: {}]", deviceId, segment.tariffId(),
                            segment.to());
                    json(ctx, 200, new JsonObject().put("deviceId", deviceId).put("tariffId", segment.tariffId())
                            .put("effectiveTo", segment.to().toString()));
                })
                .onFailure(ctx::fail);
    }

    /** An ISO-8601 instant ({@code 2026-01-15T00:00:00Z}) or null for "now". */
    private static Instant effectiveInstant(Object value) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof String text) || text.length() > 64) {
            throw new IllegalArgumentException("must be an ISO-8601 instant such as \"2026-01-15T00:00:00Z\"");
        }
        Instant instant;
        try {
            instant = Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("must be an ISO-8601 instant such as \"2026-01-15T00:00:00Z\"");
        }
        // beyond what a local date can hold the zone conversion would throw; no billing is that old anyway
        if (instant.isBefore(Instant.EPOCH)) {
            throw new IllegalArgumentException("must not be before 1970-01-01T00:00:00Z");
        }
        return instant;
    }

    private static <T> Future<T> supplyRejection(Throwable e) {
        if (e instanceof AssignmentRejectedException rejected) {
            return Future.failedFuture(new GatewayException(rejected.conflict()
                    ? GatewayException.Kind.ALREADY_EXISTS : GatewayException.Kind.INVALID_ARGUMENT,
                    rejected.getMessage()));
        }
        return Future.failedFuture(e);
    }

    private void listBills(RoutingContext ctx) {
        String deviceId = ctx.pathParam("id");
        existingDevice(deviceId)
                .compose(device -> bills.issued(deviceId, MAX_LISTED_BILLS))
                .onSuccess(list -> {
                    JsonArray array = new JsonArray();
                    list.forEach(view -> array.add(BillJson.view(view)));
                    json(ctx, 200, new JsonObject().put("deviceId", deviceId).put("bills", array));
                })
                .onFailure(ctx::fail);
    }

    private void getBill(RoutingContext ctx) {
        YearMonth month;
        try {
            String period = ctx.pathParam("period");
            if (!PERIOD.matcher(period).matches()) {
                throw new DateTimeParseException("not yyyy-MM", period, 0);
            }
            month = YearMonth.parse(period);
        } catch (DateTimeParseException e) {
            error(ctx, 400, "bad_request", "the period must be yyyy-MM (the month its first day is in), or current");
            return;
        }
        bills.forPeriod(ctx.pathParam("id"), month)
                .map(BillJson::view)
                .onSuccess(json -> json(ctx, 200, json))
                .onFailure(ctx::fail);
    }

    // ---------------------------------------------------------------- analytics (answered by the analytics role)

    private void topConsumers(RoutingContext ctx) {
        String limit = ctx.request().getParam("limit", "10");
        int n;
        try {
            n = Integer.parseInt(limit);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 1 || n > 1000) {
            error(ctx, 400, "bad_request", "limit must be a whole number from 1 to 1000");
            return;
        }
        analytics(ctx, new JsonObject().put("query", AnalyticsApi.QUERY_TOP).put("limit", n));
    }

    private void analytics(RoutingContext ctx, JsonObject query) {
        vertx.eventBus().<JsonObject>request(AnalyticsApi.ADDRESS, query,
                        new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(ANALYTICS_TIMEOUT_MS))
                .onSuccess(reply -> json(ctx, 200, reply.body()))
                .onFailure(e -> {
                    LOG.debug("analytics query failed: {}", e.toString());
                    error(ctx, 503, "unavailable",
                            "analytics is not available (is a node running the analytics role?), retry later");
                });
    }

    // ---------------------------------------------------------------- responses

    private void onFailure(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        if (failure instanceof InvalidTariffException invalid) {
            json(ctx, 400, new JsonObject().put("error", "bad_request")
                    .put("message", "the tariff is invalid: " + invalid.problems().size() + " problem(s)")
                    .put("problems", new JsonArray(invalid.problems())));
            return;
        }
        if (failure != null) {
            ErrorMapping.Mapped mapped = ErrorMapping.map(failure);
            error(ctx, mapped.httpStatus(), mapped.error(), mapped.message());
            return;
        }
        int status = ctx.statusCode();
        switch (status) {
            case 413 -> error(ctx, 413, "payload_too_large", tooLarge(ctx));
            case 400 -> error(ctx, 400, "bad_request", "bad request");
            case 401 -> error(ctx, 401, "unauthenticated", "an operator token is required");
            case 403 -> error(ctx, 403, "forbidden", "forbidden");
            case 404 -> error(ctx, 404, "not_found", "no such resource");
            default -> {
                LOG.error("operator API failed [path: {}, status: {}]", ctx.request().path(), status);
                error(ctx, 500, "internal", "internal error");
            }
        }
    }

    private static String tooLarge(RoutingContext ctx) {
        long limit = ctx.request().method() == io.vertx.core.http.HttpMethod.POST
                && "/api/v1/tariffs".equals(ctx.request().path()) ? MAX_TARIFF_BODY_BYTES : MAX_BODY_BYTES;
        return "the body may be at most " + limit + " bytes";
    }

    /**
     * Refuses a request body that declares a content type other than JSON with 415 (a body without a content type
     * is read as JSON).
     */
    private static void requireJsonBody(RoutingContext ctx) {
        String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
        if (type == null || ctx.body().length() <= 0 || isJson(type)) {
            ctx.next();
            return;
        }
        error(ctx, 415, "unsupported_media_type", "the body must be JSON (Content-Type: application/json), was "
                + shorten(type));
    }

    private static boolean isJson(String contentType) {
        String mime = contentType.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
        return mime.equals(JSON) || (mime.startsWith("application/") && mime.endsWith("+json"));
    }

    /**
     * @param expected what the object should be, for the message
     * @return the body as a JSON object, or null after answering 400 with the reason (not JSON, or JSON that is
     *         not an object)
     */
    private static JsonObject jsonObjectBody(RoutingContext ctx, String expected) {
        String prefix = "the body must be a JSON object (" + expected + ")";
        if (ctx.body().length() <= 0) {
            error(ctx, 400, "bad_request", prefix + ", it is empty");
            return null;
        }
        Object value;
        try {
            value = io.vertx.core.json.Json.decodeValue(ctx.body().buffer());
        } catch (DecodeException e) {
            error(ctx, 400, "bad_request", prefix + ", it is not valid JSON: " + shorten(e.getMessage()));
            return null;
        }
        if (value instanceof JsonObject object) {
            return object;
        }
        String was = value instanceof JsonArray ? "an array" : value == null ? "null"
                : value instanceof String ? "a string" : value instanceof Boolean ? "a boolean" : "a number";
        error(ctx, 400, "bad_request", prefix + ", was " + was);
        return null;
    }

    /** At most 200 characters of a text that came from the caller or a parser. */
    private static String shorten(String text) {
        if (text == null) {
            return null;
        }
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    private static void error(RoutingContext ctx, int status, String error, String message) {
        json(ctx, status, new JsonObject().put("error", error).put("message", message));
    }

    private static void json(RoutingContext ctx, int status, JsonObject body) {
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON);
        if (status == 413) {
            // the rest of the body was not read: the connection cannot carry another request, close it once the
            // answer is out
            ctx.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
            ctx.response().end(body.encode()).onComplete(ar -> ctx.request().connection().close());
            return;
        }
        ctx.response().end(body.encode());
    }
}
