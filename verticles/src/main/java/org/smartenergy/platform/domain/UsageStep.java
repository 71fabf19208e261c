package org.smartenergy.platform.domain;

/** Granularity of a usage query: UTC hours or UTC days. */
public enum UsageStep {
    HOUR, DAY;

    /** @return the step named {@code hour} or {@code day} (case-insensitive), or null if it is neither */
    public static UsageStep parse(String value) {
        if (value == null) {
            return null;
        }
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "hour" -> HOUR;
            case "day" -> DAY;
            default -> null;
        };
    }
}
