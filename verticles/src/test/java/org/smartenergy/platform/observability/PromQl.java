package org.smartenergy.platform.observability;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Extracts the metric names a PromQL expression selects. Not a PromQL parser: it removes everything that can hold an
 * identifier which is not a metric name (string literals, label matchers, ranges and Grafana variables, label lists
 * of {@code by/without/on/ignoring/group_left/group_right}), then keeps the identifiers that are neither a keyword
 * nor a function or aggregation call. Names are returned as written, so {@code foo_bucket} stays {@code foo_bucket}:
 * that is the sample name Prometheus stores.
 */
final class PromQl {

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern LABEL_MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern LABEL_LIST = Pattern.compile(
            "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", Pattern.CASE_INSENSITIVE);
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{[^}]*}|\\$\\w+");
    /** An identifier not glued to a number (so {@code 1e3} or {@code 5m} yield nothing). */
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.:])[a-zA-Z_:][\\w:]*");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "atan2", "inf", "nan",
            "by", "without", "on", "ignoring", "group_left", "group_right", "start", "end");

    private PromQl() {
    }

    /** @return the metric names the expression selects, sorted */
    static Set<String> metricNames(String expression) {
        String s = STRING.matcher(expression).replaceAll(" ");
        s = LABEL_MATCHERS.matcher(s).replaceAll(" ");
        s = RANGE.matcher(s).replaceAll(" ");
        s = LABEL_LIST.matcher(s).replaceAll(" ");
        s = VARIABLE.matcher(s).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            String name = m.group();
            if (KEYWORDS.contains(name.toLowerCase()) || isCall(s, m.end())) {
                continue;
            }
            names.add(name);
        }
        return names;
    }

    private static boolean isCall(String s, int end) {
        int i = end;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i < s.length() && s.charAt(i) == '(';
    }
}
