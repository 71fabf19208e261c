package org.smartenergy.platform.node;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.status.Status;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console format of the shipped {@code logback.xml}, chosen by {@code SEP_LOG_FORMAT}: each test configures a
 * fresh logback context from that file (the property set on the context, where logback's substitution finds it
 * before system properties and the environment) and encodes an event with the appender's own encoder.
 */
class LogFormatTest {

    private static final Instant AT = Instant.parse("2026-12-02T01:54:02.123Z");

    @Test
    void jsonLinesParseAndCarryADatedTimestampLevelLoggerMessageMdcAndTheNode() throws Exception {
        // GIVEN logback configured from logback.xml with SEP_LOG_FORMAT=json and the node's identity set
        LoggerContext context = configure("json");
        context.putProperty(LogIdentity.NODE, "host-1:4242");
        context.putProperty(LogIdentity.ROLES, "gateway,ingestion");

        // WHEN an event with an MDC entry is encoded
        String line = encode(context, event(context, Map.of("deviceId", "meter-42")));

        // THEN it is one JSON object on one line with the documented fields
        assertThat(line).endsWith("\n");
        assertThat(line.strip()).doesNotContain("\n");
        JsonObject json = new JsonObject(line);
        assertThat(json.getString("timestamp")).isEqualTo("2026-12-02T01:54:02.123Z");
        assertThat(json.getString("level")).isEqualTo("INFO");
        assertThat(json.getString("loggerName")).isEqualTo("org.smartenergy.platform.gateway.ReadingCalls");
        assertThat(json.getString("formattedMessage")).isEqualTo("rejected reading [deviceId: meter-42, seq: 7]");
        assertThat(json.getString("message")).isEqualTo("rejected reading [deviceId: {}, seq: {}]");
        assertThat(json.getJsonObject("mdc").getString("deviceId")).isEqualTo("meter-42");
        assertThat(json.getString("node")).isEqualTo("host-1:4242");
        assertThat(json.getString("roles")).isEqualTo("gateway,ingestion");
    }

    @Test
    void jsonLinesWithoutAnMdcOrIdentityStillParse() throws Exception {
        // GIVEN the JSON format before the launcher set the node's identity, and a message that needs escaping
        LoggerContext context = configure("JSON");
        LoggingEvent event = event(context, Map.of(), "quote \" and\nnewline", null);

        // WHEN it is encoded
        JsonObject json = new JsonObject(encode(context, event));

        // THEN the fields are there and the message survives the round trip
        assertThat(json.getString("timestamp")).isEqualTo("2026-12-02T01:54:02.123Z");
        assertThat(json.getString("formattedMessage")).isEqualTo("quote \" and\nnewline");
        assertThat(json.containsKey("node")).isFalse();
    }

    @Test
    void plainLinesAreDatedByDefault() throws Exception {
        // GIVEN logback configured from logback.xml without SEP_LOG_FORMAT
        LoggerContext context = configure(null);

        // WHEN an event is encoded
        String line = encode(context, event(context, Map.of()));

        // THEN the line starts with the ISO-8601 date and time, then level, thread, logger and message
        assertThat(line).isEqualTo("2026-12-02T01:54:02.123Z INFO  [main] o.s.platform.gateway.ReadingCalls"
                + " - rejected reading [deviceId: meter-42, seq: 7]\n");
    }

    @Test
    void anUnknownFormatIsReportedAndFallsBackToPlain() throws Exception {
        // GIVEN SEP_LOG_FORMAT=xml
        LoggerContext context = configure("xml");

        // WHEN an event is encoded
        String line = encode(context, event(context, Map.of()));

        // THEN logback's status names the variable and the line is plain
        assertThat(context.getStatusManager().getCopyOfStatusList()).anySatisfy(status -> {
            assertThat(status.getLevel()).isEqualTo(Status.ERROR);
            assertThat(status.getMessage()).contains("SEP_LOG_FORMAT", "xml");
        });
        assertThat(line).startsWith("2026-12-02T01:54:02.123Z INFO ");
    }

    private static LoggerContext configure(String format) throws Exception {
        LoggerContext context = new LoggerContext();
        if (format != null) {
            context.putProperty("SEP_LOG_FORMAT", format);
        }
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(LogFormatTest.class.getResource("/logback.xml"));
        return context;
    }

    private static LoggingEvent event(LoggerContext context, Map<String, String> mdc) {
        return event(context, mdc, "rejected reading [deviceId: {}, seq: {}]", new Object[]{"meter-42", 7});
    }

    private static LoggingEvent event(LoggerContext context, Map<String, String> mdc, String message, Object[] args) {
        Logger logger = context.getLogger("org.smartenergy.platform.gateway.ReadingCalls");
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.INFO, message, null, args);
        event.setInstant(AT);
        event.setThreadName("main");
        event.setMDCPropertyMap(mdc);
        return event;
    }

    @SuppressWarnings("unchecked")
    private static String encode(LoggerContext context, ILoggingEvent event) {
        OutputStreamAppender<ILoggingEvent> appender =
                (OutputStreamAppender<ILoggingEvent>) context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDOUT");
        assertThat(appender.getEncoder()).isInstanceOf(LogEncoder.class);
        return new String(appender.getEncoder().encode(event), StandardCharsets.UTF_8);
    }
}
