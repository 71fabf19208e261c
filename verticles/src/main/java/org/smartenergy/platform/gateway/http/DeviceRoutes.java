package org.smartenergy.platform.gateway.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.smartenergy.platform.domain.DeviceTokens;
import org.smartenergy.platform.domain.ValidationRules;
import org.smartenergy.platform.gateway.DeviceAdmin;
import org.smartenergy.platform.gateway.DeviceAdmin.Device;
import org.smartenergy.platform.gateway.DeviceRevocations;
import org.smartenergy.platform.gateway.GatewayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;

import static org.smartenergy.platform.gateway.http.HttpErrors.error;
import static org.smartenergy.platform.gateway.http.HttpErrors.json;

/**
 * The device lifecycle: {@code POST /api/v1/devices} (admin: provisions a device and answers its token once),
 * {@code GET /api/v1/devices?limit=&after=} (cursor paging by ascending id), {@code POST /api/v1/devices:import}
 * ({@link DeviceImport}), {@code GET /api/v1/devices/:id}, {@code PATCH /api/v1/devices/:id} (admin: enable,
 * disable, rename), {@code DELETE /api/v1/devices/:id} (admin) and {@code POST /api/v1/devices/:id/token} (admin:
 * rotates, answers the new token once). Rotating, disabling, enabling and deleting go through the revocation
 * callback, which makes them take effect on every gateway node ({@link DeviceRevocations}).
 *
 * <p>{@link #existing} is the "404 unless the device exists" step other resources under a device share.
 */
final class DeviceRoutes {

    static final int MAX_NAME_LENGTH = 256;
    static final int DEFAULT_PAGE = 100;
    static final int MAX_PAGE = 1000;
    private static final Set<String> PATCHABLE = Set.of("enabled", "name");
    private static final Logger LOG = LoggerFactory.getLogger(DeviceRoutes.class);

    private final DeviceAdmin devices;
    private final BiConsumer<String, String> revocations;
    private final DeviceImport imports;

    /**
     * @param revocations called with the device id and the {@link DeviceRevocations} change once the registry
     *                    changed, before the answer
     */
    DeviceRoutes(Vertx vertx, DeviceAdmin devices, BiConsumer<String, String> revocations) {
        this.devices = Objects.requireNonNull(devices, "devices");
        this.revocations = Objects.requireNonNull(revocations, "revocations");
        this.imports = new DeviceImport(vertx, devices);
    }

    void mount(Router router) {
        router.post("/api/v1/devices").handler(OperatorAuth.admin()).handler(this::createDevice);
        router.get("/api/v1/devices").handler(OperatorAuth.reader()).handler(this::listDevices);
        // a regex route: in a plain path ":import" would be a path parameter
        router.postWithRegex(DeviceImport.PATH_REGEX).handler(OperatorAuth.admin()).handler(imports::handle);
        router.get("/api/v1/devices/:id").handler(OperatorAuth.reader()).handler(this::getDevice);
        router.patch("/api/v1/devices/:id").handler(OperatorAuth.admin()).handler(this::patchDevice);
        router.delete("/api/v1/devices/:id").handler(OperatorAuth.admin()).handler(this::deleteDevice);
        router.post("/api/v1/devices/:id/token").handler(OperatorAuth.admin()).handler(this::rotateToken);
    }

    private void createDevice(RoutingContext ctx) {
        JsonObject body = JsonBodies.jsonObjectBody(ctx, "{\"deviceId\": ..., \"name\": ...}");
        if (body == null) {
            return;
        }
        Object idValue = body.getValue("deviceId");
        Object nameValue = body.getValue("name");
        String problem = deviceIdProblem(idValue);
        if (problem == null) {
            problem = nameProblem(nameValue);
        }
        if (problem != null) {
            error(ctx, 400, "bad_request", problem);
            return;
        }
        String deviceId = (String) idValue;
        String name = nameValue == null ? "" : (String) nameValue;
        String token = DeviceTokens.newToken();
        User operator = OperatorAuth.operator(ctx);
        devices.create(deviceId, name, DeviceTokens.hash(token))
                .onSuccess(device -> {
                    LOG.info("device provisioned [deviceId: {}, operator: {}]", deviceId, operator.subject());
                    ctx.response().putHeader(HttpHeaders.LOCATION, "/api/v1/devices/" + deviceId);
                    json(ctx, 201, deviceJson(device).put("token", token));
                })
                .onFailure(ctx::fail);
    }

    private void listDevices(RoutingContext ctx) {
        String limitParam = ctx.request().getParam("limit");
        String afterParam = ctx.request().getParam("after");
        int limit;
        try {
            limit = limitParam == null ? DEFAULT_PAGE : Integer.parseInt(limitParam);
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > MAX_PAGE) {
            error(ctx, 400, "bad_request", "limit must be an integer from 1 to " + MAX_PAGE + ", was "
                    + HttpErrors.shorten(limitParam));
            return;
        }
        String after = null;
        if (afterParam != null) {
            after = fromCursor(afterParam);
            if (after == null) {
                error(ctx, 400, "bad_request", "after must be the 'next' cursor of a previous page");
                return;
            }
        }
        int pageSize = limit;
        // one more than asked: whether there is a next page, without another query
        devices.page(after, pageSize + 1)
                .onSuccess(found -> {
                    List<Device> page = found.size() > pageSize ? found.subList(0, pageSize) : found;
                    JsonArray items = new JsonArray();
                    page.forEach(device -> items.add(deviceJson(device)));
                    String next = found.size() > pageSize ? cursor(page.get(page.size() - 1).deviceId()) : null;
                    json(ctx, 200, new JsonObject().put("devices", items).put("next", next));
                })
                .onFailure(ctx::fail);
    }

    private void getDevice(RoutingContext ctx) {
        existing(ctx.pathParam("id"))
                .onSuccess(device -> json(ctx, 200, deviceJson(device)))
                .onFailure(ctx::fail);
    }

    private void patchDevice(RoutingContext ctx) {
        String deviceId = ctx.pathParam("id");
        JsonObject body = JsonBodies.jsonObjectBody(ctx, "{\"enabled\": true|false, \"name\": ...}");
        if (body == null) {
            return;
        }
        List<String> unknown = body.fieldNames().stream().filter(f -> !PATCHABLE.contains(f)).sorted().toList();
        Object enabledValue = body.getValue("enabled");
        Object nameValue = body.getValue("name");
        String problem = null;
        if (!unknown.isEmpty()) {
            problem = "only enabled and name can be changed, not " + HttpErrors.shorten(String.join(", ", unknown));
        } else if (enabledValue == null && nameValue == null) {
            problem = "nothing to change: give enabled (true or false) and/or name";
        } else if (enabledValue != null && !(enabledValue instanceof Boolean)) {
            problem = "enabled must be true or false";
        } else {
            problem = nameProblem(nameValue);
        }
        if (problem != null) {
            error(ctx, 400, "bad_request", problem);
            return;
        }
        Boolean enabled = (Boolean) enabledValue;
        User operator = OperatorAuth.operator(ctx);
        devices.update(deviceId, enabled, (String) nameValue)
                .compose(device -> found(deviceId, device))
                .onSuccess(device -> {
                    if (enabled != null) {
                        revocations.accept(deviceId, enabled ? DeviceRevocations.ENABLED : DeviceRevocations.DISABLED);
                    }
                    LOG.info("device changed [deviceId: {}, enabled: {}, renamed: {}, operator: {}]", deviceId,
                            device.enabled(), nameValue != null, operator.subject());
                    json(ctx, 200, deviceJson(device));
                })
                .onFailure(ctx::fail);
    }

    private void deleteDevice(RoutingContext ctx) {
        String deviceId = ctx.pathParam("id");
        User operator = OperatorAuth.operator(ctx);
        devices.delete(deviceId)
                .compose(deleted -> deleted ? Future.succeededFuture() : Future.failedFuture(notFound(deviceId)))
                .onSuccess(v -> {
                    revocations.accept(deviceId, DeviceRevocations.DELETED);
                    LOG.info("device deleted, its readings and bills are kept [deviceId: {}, operator: {}]",
                            deviceId, operator.subject());
                    ctx.response().setStatusCode(204).end();
                })
                .onFailure(ctx::fail);
    }

    private void rotateToken(RoutingContext ctx) {
        String deviceId = ctx.pathParam("id");
        String token = DeviceTokens.newToken();
        User operator = OperatorAuth.operator(ctx);
        devices.replaceTokenHash(deviceId, DeviceTokens.hash(token))
                .compose(device -> found(deviceId, device))
                .onSuccess(device -> {
                    revocations.accept(deviceId, DeviceRevocations.ROTATED);
                    LOG.info("device token rotated [deviceId: {}, operator: {}]", deviceId, operator.subject());
                    json(ctx, 200, new JsonObject().put("deviceId", deviceId).put("token", token));
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

    /** @return why the value is not a valid name (null is: no name), or null if it is one */
    static String nameProblem(Object value) {
        return value != null && (!(value instanceof String n) || n.length() > MAX_NAME_LENGTH)
                ? "name must be a string of at most " + MAX_NAME_LENGTH + " characters" : null;
    }

    /** @return the device, or fails with NOT_FOUND */
    Future<Device> existing(String deviceId) {
        return devices.find(deviceId).compose(device -> found(deviceId, device));
    }

    private static Future<Device> found(String deviceId, Device device) {
        return device != null ? Future.succeededFuture(device) : Future.failedFuture(notFound(deviceId));
    }

    private static GatewayException notFound(String deviceId) {
        return new GatewayException(GatewayException.Kind.NOT_FOUND, "device '" + deviceId + "' does not exist");
    }

    /** The opaque paging cursor: the last id of the page, base64url (safe in a query string as it is). */
    static String cursor(String deviceId) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(deviceId.getBytes(StandardCharsets.UTF_8));
    }

    /** @return the id a cursor stands for, or null if it is not a cursor this API made */
    static String fromCursor(String cursor) {
        try {
            String id = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            return deviceIdProblem(id) == null && cursor(id).equals(cursor) ? id : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static JsonObject deviceJson(Device device) {
        return new JsonObject()
                .put("deviceId", device.deviceId())
                .put("name", device.name())
                .put("createdAt", device.createdAt() == null ? null : device.createdAt().toString())
                .put("enabled", device.enabled());
    }
}
