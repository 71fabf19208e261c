package org.smartenergy.platform.node;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** What a node can run. A node runs any subset; capacity grows by adding nodes. */
public enum Role {
    /** gRPC for loggers, HTTP operator API; forwards readings to ingestion over the event bus. */
    GATEWAY,
    /** Validates readings, publishes confirmed batches to RabbitMQ. */
    INGESTION,
    /** Consumes batches, stores readings in MongoDB, caches in Redis. */
    BILLING,
    /** Platform-wide usage analytics from the stored readings: Prometheus gauges and JSON. */
    ANALYTICS;

    /**
     * Parses a comma-separated role list such as {@code gateway,ingestion}; {@code all} means every role.
     *
     * @throws IllegalArgumentException naming the unknown role
     */
    public static Set<Role> parse(String roles) {
        if (roles == null || roles.isBlank() || roles.trim().equalsIgnoreCase("all")) {
            return EnumSet.allOf(Role.class);
        }
        EnumSet<Role> result = EnumSet.noneOf(Role.class);
        for (String name : roles.split(",")) {
            String n = name.trim().toUpperCase(Locale.ROOT);
            if (n.isEmpty()) {
                continue;
            }
            try {
                result.add(Role.valueOf(n));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown role '" + name.trim() + "'; roles: gateway, ingestion, billing, analytics");
            }
        }
        if (result.isEmpty()) {
            throw new IllegalArgumentException("no role given; roles: gateway, ingestion, billing, analytics");
        }
        return result;
    }
}
