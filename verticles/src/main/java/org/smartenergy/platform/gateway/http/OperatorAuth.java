package org.smartenergy.platform.gateway.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.web.RoutingContext;
import org.smartenergy.platform.gateway.OperatorTokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;
import java.util.Set;

import static org.smartenergy.platform.gateway.http.HttpErrors.error;

/**
 * Operator authentication and roles: {@code Authorization: Bearer <operator JWT>} ({@link OperatorTokens}); no or
 * an invalid token answers 401 with {@code WWW-Authenticate}, a valid one without a fitting role 403.
 */
final class OperatorAuth {

    private static final Logger LOG = LoggerFactory.getLogger(OperatorAuth.class);
    private static final String OPERATOR = "operator";

    private final JWTAuth jwt;

    OperatorAuth(JWTAuth jwt) {
        this.jwt = Objects.requireNonNull(jwt, "jwt");
    }

    /** The authenticated operator of a request past {@link #authenticate}. */
    static User operator(RoutingContext ctx) {
        return ctx.get(OPERATOR);
    }

    /** Admins only. */
    static Handler<RoutingContext> admin() {
        return requireRole(OperatorTokens.ADMIN);
    }

    /** Admins and viewers. */
    static Handler<RoutingContext> reader() {
        return requireRole(OperatorTokens.ADMIN, OperatorTokens.VIEWER);
    }

    void authenticate(RoutingContext ctx) {
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

    static Handler<RoutingContext> requireRole(String... accepted) {
        Set<String> roles = Set.of(accepted);
        return ctx -> {
            User user = ctx.get(OPERATOR);
            List<String> held = roles(user);
            if (held.stream().anyMatch(roles::contains)) {
                // the request may do this: now whether it is well-formed (400 after 401 and 403)
                OperatorApiContract.validateThenNext(ctx);
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
}
