package org.smartenergy.platform.analytics;

/**
 * Event-bus contract of the analytics verticle (it may run on another node). Request to {@link #ADDRESS} with a
 * JSON body {@code {"query": "today"}} or {@code {"query": "top", "limit": 10}}; the reply is the JSON the operator
 * API returns under {@code /api/v1/analytics/...}. No handler means no node runs the analytics role.
 */
public final class AnalyticsApi {

    /** Address analytics answers queries on. */
    public static final String ADDRESS = "energy.analytics.query";
    /** Query: today's platform-wide summary. */
    public static final String QUERY_TODAY = "today";
    /** Query: today's top consumers. */
    public static final String QUERY_TOP = "top";

    private AnalyticsApi() {
    }
}
