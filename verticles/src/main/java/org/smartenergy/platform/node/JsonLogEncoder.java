package org.smartenergy.platform.node;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.JsonEscapeUtil;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Logback's own {@link JsonEncoder} (one JSON object per line: {@code level}, {@code threadName},
 * {@code loggerName}, {@code message} (the template), {@code formattedMessage}, {@code mdc} when the thread has
 * any, {@code throwable}), with two things in front that logback's encoder does not write: {@code timestamp} as an
 * ISO-8601 UTC date-time instead of epoch milliseconds, and the node's identity ({@code node}, {@code roles}, see
 * {@link LogIdentity}) on every line once the launcher has set it.
 */
public final class JsonLogEncoder extends JsonEncoder {

    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);

    /** The fields written, besides the ones added here. */
    public JsonLogEncoder() {
        setWithTimestamp(false);
        setWithSequenceNumber(false);
        setWithNanoseconds(false);
        setWithContext(false);
        setWithArguments(false);
        setWithFormattedMessage(true);
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        byte[] fields = super.encode(event);
        // logback's object starts with '{' and at least the level follows: put ours in front of its fields
        StringBuilder head = new StringBuilder(128).append("{\"timestamp\":\"")
                .append(TIMESTAMP.format(Instant.ofEpochMilli(event.getTimeStamp()))).append('"');
        appendProperty(head, LogIdentity.NODE);
        appendProperty(head, LogIdentity.ROLES);
        head.append(',');
        byte[] prefix = head.toString().getBytes(StandardCharsets.UTF_8);
        byte[] line = new byte[prefix.length + fields.length - 1];
        System.arraycopy(prefix, 0, line, 0, prefix.length);
        System.arraycopy(fields, 1, line, prefix.length, fields.length - 1);
        return line;
    }

    private void appendProperty(StringBuilder sb, String key) {
        String value = getContext() == null ? null : getContext().getProperty(key);
        if (value != null) {
            sb.append(",\"").append(key).append("\":\"").append(JsonEscapeUtil.jsonEscapeString(value)).append('"');
        }
    }
}
