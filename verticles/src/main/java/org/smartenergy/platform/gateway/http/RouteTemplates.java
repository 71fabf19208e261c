package org.smartenergy.platform.gateway.http;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The OpenAPI path template of a Vert.x route ({@code :param} as {@code {param}}), so that the routes and the
 * operations of the operator API's document can be matched ({@link OperatorApiContract}).
 */
final class RouteTemplates {

    private static final Pattern VERTX_PARAM = Pattern.compile(":([A-Za-z0-9_]+)");
    private static final Pattern REGEX_META = Pattern.compile("[\\[\\](){}*+?.^$|\\\\]");

    private RouteTemplates() {
    }

    /** @return the operations {@code "METHOD /path/{param}"} the route serves (see {@link OperatorApiContract#routeKeys}) */
    static Set<String> operations(Route route) {
        Set<String> keys = new LinkedHashSet<>();
        String template = template(route);
        if (template == null || route.methods() == null) {
            return keys;
        }
        for (HttpMethod method : route.methods()) {
            keys.add(method.name() + " " + template);
        }
        return keys;
    }

    static String template(Route route) {
        if (!route.isExactPath()) {
            return null;
        }
        String path = route.getPath();
        if (path != null) {
            return VERTX_PARAM.matcher(path).replaceAll("{$1}");
        }
        String pattern = route.getName();
        if (pattern == null) {
            return null;
        }
        String literal;
        if (pattern.startsWith("\\Q") && pattern.endsWith("\\E")) {
            literal = pattern.substring(2, pattern.length() - 2);
        } else if (REGEX_META.matcher(pattern.replaceAll("\\\\[^A-Za-z0-9]", "")).find()) {
            return null;
        } else {
            literal = pattern.replaceAll("\\\\([^A-Za-z0-9])", "$1");
        }
        return literal.startsWith("/") ? literal : null;
    }
}
