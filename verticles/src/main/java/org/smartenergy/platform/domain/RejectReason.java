package org.smartenergy.platform.domain;

/**
 * Why ingestion refused a reading. {@link #tag()} is the value of the {@code reason} label on the rejected-readings
 * metric (a fixed, small set: no per-device values).
 */
public enum RejectReason {
    DEVICE_ID_INVALID("device_id"),
    USAGE_NOT_FINITE("usage_not_finite"),
    USAGE_NEGATIVE("usage_negative"),
    USAGE_IMPLAUSIBLE("usage_implausible"),
    TIMESTAMP_MISSING("timestamp_missing"),
    /** Not a valid {@code google.protobuf.Timestamp}: nanos outside [0, 999999999] or seconds outside 0001..9999. */
    TIMESTAMP_INVALID("timestamp_invalid"),
    TIMESTAMP_IN_FUTURE("timestamp_future"),
    TIMESTAMP_TOO_OLD("timestamp_too_old"),
    INTERVAL_INVALID("interval_invalid"),
    MALFORMED("malformed");

    private final String tag;

    RejectReason(String tag) {
        this.tag = tag;
    }

    /** @return the metric label value for this reason */
    public String tag() {
        return tag;
    }
}
