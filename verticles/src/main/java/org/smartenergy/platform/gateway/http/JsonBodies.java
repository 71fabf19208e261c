package org.smartenergy.platform.gateway.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Locale;

import static org.smartenergy.platform.gateway.http.HttpErrors.error;
import static org.smartenergy.platform.gateway.http.HttpErrors.shorten;

/**
 * Request bodies of the operator API: their limits, the JSON content type they must declare, and reading one as a
 * JSON object with the reason it is not one.
 */
public final class JsonBodies {

    /** POST bodies are tiny; anything bigger is refused with 413 before it is buffered. */
    public static final long MAX_BODY_BYTES = 16 * 1024;
    /** A time-of-use tariff with many seasons and bands is bigger than a device (the bulk device import takes
     * {@link DeviceImport#MAX_BODY_BYTES}). */
    public static final long MAX_TARIFF_BODY_BYTES = 256 * 1024;

    private JsonBodies() {
    }

    /**
     * Refuses a request body that declares a content type other than JSON with 415 (a body without a content type
     * is read as JSON).
     */
    static void requireJsonBody(RoutingContext ctx) {
        String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
        if (type == null || ctx.body().length() <= 0 || isJson(type) || isImport(ctx)) {
            ctx.next();
            return;
        }
        error(ctx, 415, "unsupported_media_type", "the body must be JSON (Content-Type: application/json), was "
                + shorten(type));
    }

    /** The bulk import takes JSON lines or CSV and checks its content type itself ({@link DeviceImport}). */
    static boolean isImport(RoutingContext ctx) {
        return ctx.request().method() == HttpMethod.POST && DeviceImport.PATH.equals(ctx.request().path());
    }

    private static boolean isJson(String contentType) {
        String mime = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return mime.equals(HttpErrors.JSON) || (mime.startsWith("application/") && mime.endsWith("+json"));
    }

    /**
     * @param expected what the object should be, for the message
     * @return the body as a JSON object, or null after answering 400 with the reason (not JSON, or JSON that is
     *         not an object)
     */
    static JsonObject jsonObjectBody(RoutingContext ctx, String expected) {
        String prefix = "the body must be a JSON object (" + expected + ")";
        if (ctx.body().length() <= 0) {
            error(ctx, 400, "bad_request", prefix + ", it is empty");
            return null;
        }
        Object value;
        try {
            value = Json.decodeValue(ctx.body().buffer());
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
}
