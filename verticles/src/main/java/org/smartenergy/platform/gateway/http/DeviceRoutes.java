package org.smartenergy.platform.gateway.http;

import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.smartenergy.platform.device.Device;
import org.smartenergy.platform.device.DeviceRegistry;
import org.smartenergy.platform.domain.DeviceTokens;
import org.smartenergy.platform.domain.ValidationRules;
import org.smartenergy.platform.gateway.GatewayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

import static org.smartenergy.platform.gateway.http.HttpErrors.error;
import static org.smartenergy.platform.gateway.http.HttpErrors.json;

/**
 * {@code POST /api/v1/devices} (admin: provisions a device and answers its token once) and
 * {@code GET /api/v1/devices/:id}; {@link #existing} is the "404 unless the device exists" step other resources
 * under a device share.
 */
final class DeviceRoutes {

    static final int MAX_NAME_LENGTH = 256;
    private static final Logger LOG = LoggerFactory.getLogger(DeviceRoutes.class);

    private final DeviceRegistry devices;

    DeviceRoutes(DeviceRegistry devices) {
        this.devices = Objects.requireNonNull(devices, "devices");
    }

    void mount(Router router) {
        router.post("/api/v1/devices").handler(OperatorAuth.admin()).handler(this::createDevice);
        router.get("/api/v1/devices/:id").handler(OperatorAuth.reader()).handler(this::getDevice);
    }

    private void createDevice(RoutingContext ctx) {
        JsonObject body = JsonBodies.jsonObjectBody(ctx, "{\"deviceId\": ..., \"name\": ...}");
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
        User operator = OperatorAuth.operator(ctx);
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
        existing(ctx.pathParam("id"))
                .onSuccess(device -> json(ctx, 200, deviceJson(device)))
                .onFailure(ctx::fail);
    }

    /** @return the device, or fails with NOT_FOUND */
    Future<Device> existing(String deviceId) {
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
}
