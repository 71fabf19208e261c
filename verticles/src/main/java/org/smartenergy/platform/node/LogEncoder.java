package org.smartenergy.platform.node;

import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;

import java.util.Locale;

/**
 * The console encoder of {@code logback.xml}: {@value #PLAIN} (the default) writes one dated line per event,
 * {@value #JSON} one JSON object per line ({@link JsonLogEncoder}). The format comes from {@code SEP_LOG_FORMAT}
 * (environment variable or system property), read by logback when it configures itself, before the node's own
 * configuration is loaded; an unknown value is reported in logback's status output and the plain format is used.
 */
public final class LogEncoder extends EncoderBase<ILoggingEvent> {

    /** The human format: {@link #PLAIN_PATTERN}. */
    public static final String PLAIN = "plain";
    /** One JSON object per line. */
    public static final String JSON = "json";
    /** ISO-8601 UTC timestamp with the date, level, thread, logger, message, MDC (when set), stack trace. */
    public static final String PLAIN_PATTERN =
            "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX, UTC} %-5level [%thread] %logger{36} - %msg%n";

    private String format = PLAIN;
    private Encoder<ILoggingEvent> delegate;

    /** @param format {@value #PLAIN} or {@value #JSON} (case-insensitive); logback sets it from {@code <format>} */
    public void setFormat(String format) {
        this.format = format;
    }

    /** @return the format in use once started */
    public String getFormat() {
        return format;
    }

    @Override
    public void start() {
        String requested = format == null ? "" : format.trim().toLowerCase(Locale.ROOT);
        if (requested.isEmpty()) {
            requested = PLAIN;
        }
        if (!requested.equals(PLAIN) && !requested.equals(JSON)) {
            addError("SEP_LOG_FORMAT must be " + PLAIN + " or " + JSON + ", was '" + format + "': using " + PLAIN);
            requested = PLAIN;
        }
        format = requested;
        if (format.equals(JSON)) {
            JsonLogEncoder json = new JsonLogEncoder();
            json.setContext(getContext());
            json.start();
            delegate = json;
        } else {
            PatternLayoutEncoder plain = new PatternLayoutEncoder();
            plain.setContext(getContext());
            plain.setPattern(PLAIN_PATTERN);
            plain.start();
            delegate = plain;
        }
        super.start();
    }

    @Override
    public void stop() {
        if (delegate != null) {
            delegate.stop();
        }
        super.stop();
    }

    @Override
    public byte[] headerBytes() {
        return delegate.headerBytes();
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        return delegate.encode(event);
    }

    @Override
    public byte[] footerBytes() {
        return delegate.footerBytes();
    }
}
