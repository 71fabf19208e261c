package org.smartenergy.platform.gateway.http;

import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.smartenergy.platform.domain.tariff.InvalidTariffException;
import org.smartenergy.platform.gateway.ErrorMapping;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one renderer of operator API answers: every JSON body, every {@code {"error": ..., "message": ...}} error
 * and the router's failure and error handlers go through here; the status of a failure is the one
 * {@link ErrorMapping} assigns (an invalid tariff adds {@code "problems": [...]}, every problem at once).
 *
 * <p>A 413 answer carries {@code Connection: close} and closes the connection once it is out, since the rest of
 * the body was never read; what the client still sends is read and dropped for at most {@link #DRAIN_MS} first, so
 * that a client still uploading reads the answer rather than a connection reset.
 */
final class HttpErrors {

    /** How long a refused body is still read (and dropped) before its connection is closed. */
    static final long DRAIN_MS = 1_000;

    private static final Logger LOG = LoggerFactory.getLogger(HttpErrors.class);
    static final String JSON = "application/json";

    private HttpErrors() {
    }

    /** Installs the failure handler and the router's own refusals (400, 404, 405, 413) on {@code router}. */
    static void install(Router router) {
        router.route().failureHandler(HttpErrors::onFailure);
        // the router's own refusals (a path that cannot be decoded, such as "%ZZ", is a 400 before any route)
        router.errorHandler(400, ctx -> {
            LOG.debug("bad request refused by the router [uri: {}]: {}", shorten(ctx.request().uri()),
                    ctx.failure() == null ? null : ctx.failure().toString());
            error(ctx, 400, "bad_request", "the request could not be parsed (is the path correctly percent-encoded?)");
        });
        router.errorHandler(404, ctx -> error(ctx, 404, "not_found", "no such resource"));
        router.errorHandler(405, ctx -> error(ctx, 405, "method_not_allowed", "method not allowed"));
        router.errorHandler(413, ctx -> error(ctx, 413, "payload_too_large", tooLarge(ctx)));
    }

    private static void onFailure(RoutingContext ctx) {
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
        long limit = ctx.request().method() == HttpMethod.POST
                && "/api/v1/tariffs".equals(ctx.request().path())
                ? JsonBodies.MAX_TARIFF_BODY_BYTES
                : JsonBodies.isImport(ctx) ? DeviceImport.MAX_BODY_BYTES : JsonBodies.MAX_BODY_BYTES;
        return "the body may be at most " + limit + " bytes";
    }

    /** At most 200 characters of a text that came from the caller or a parser. */
    static String shorten(String text) {
        if (text == null) {
            return null;
        }
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    static void error(RoutingContext ctx, int status, String error, String message) {
        json(ctx, status, new JsonObject().put("error", error).put("message", message));
    }

    static void json(RoutingContext ctx, int status, JsonObject body) {
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON);
        if (status == 413) {
            // the rest of the body was not read: the connection cannot carry another request, close it once the
            // answer is out
            ctx.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
            ctx.response().end(body.encode()).onComplete(ar -> drainThenClose(ctx));
            return;
        }
        ctx.response().end(body.encode());
    }

    /**
     * Closes the connection of a refused body, after reading and dropping what the client still sends for at most
     * {@link #DRAIN_MS}: closing a socket with unread data makes the kernel answer with a reset, and a client still
     * uploading (most clients send the whole body before they read) would then see a reset instead of the 413.
     * A client that sends nothing more is closed on at the end of that time.
     */
    private static void drainThenClose(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        HttpConnection connection = request.connection();
        if (request.isEnded()) {
            connection.close();
            return;
        }
        long timer = ctx.vertx().setTimer(DRAIN_MS, id -> connection.close());
        try {
            request.handler(dropped -> { })
                    .endHandler(v -> {
                        ctx.vertx().cancelTimer(timer);
                        connection.close();
                    });
            request.resume();
        } catch (IllegalStateException alreadyRead) {
            ctx.vertx().cancelTimer(timer);
            connection.close();
        }
    }
}
