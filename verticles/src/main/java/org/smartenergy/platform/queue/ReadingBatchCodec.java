package org.smartenergy.platform.queue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.domain.MeterReading;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of one AMQP message on the readings queue: a batch of validated readings as JSON.
 *
 * <pre>{"v":1,"readings":[{"d":"meter-1","t":1764201600000,"e":250000,"s":42,"i":900}, ...]}</pre>
 * {@code d} device id, {@code t} interval end in epoch milliseconds, {@code e} energy in milliwatt-hours,
 * {@code s} the logger's sequence number, {@code i} interval seconds. Content type {@value #CONTENT_TYPE}.
 */
public final class ReadingBatchCodec {

    /** Content type of the message body. */
    public static final String CONTENT_TYPE = "application/json";
    /**
     * AMQP header: epoch milliseconds at which ingestion received the batch's first reading; billing measures
     * receive-to-stored latency from it.
     */
    public static final String HEADER_RECEIVED_AT = "x-received-at-ms";
    /** Format version written into every batch. */
    public static final int VERSION = 1;

    private ReadingBatchCodec() {
    }

    /** @return the message body for a batch */
    public static Buffer encode(List<MeterReading> readings) {
        JsonArray array = new JsonArray(new ArrayList<>(readings.size()));
        for (MeterReading r : readings) {
            array.add(new JsonObject()
                    .put("d", r.deviceId())
                    .put("t", r.timestamp().toEpochMilli())
                    .put("e", r.usageMwh())
                    .put("s", r.seq())
                    .put("i", r.intervalSeconds()));
        }
        return new JsonObject().put("v", VERSION).put("readings", array).toBuffer();
    }

    /**
     * Parses a message body.
     *
     * @throws MalformedBatchException if the body is not a batch this version understands; such a message must be
     *                                 dead-lettered, never retried
     */
    public static List<MeterReading> decode(Buffer body) {
        try {
            JsonObject json = new JsonObject(body);
            Integer version = json.getInteger("v");
            if (version == null || version != VERSION) {
                throw new MalformedBatchException("unsupported batch version " + version);
            }
            JsonArray array = json.getJsonArray("readings");
            if (array == null) {
                throw new MalformedBatchException("batch has no readings array");
            }
            List<MeterReading> readings = new ArrayList<>(array.size());
            for (int i = 0; i < array.size(); i++) {
                JsonObject r = array.getJsonObject(i);
                readings.add(new MeterReading(
                        r.getString("d"),
                        Instant.ofEpochMilli(r.getLong("t")),
                        r.getLong("e"),
                        r.getLong("s", 0L),
                        r.getInteger("i")));
            }
            return readings;
        } catch (MalformedBatchException e) {
            throw e;
        } catch (DecodeException | ClassCastException | NullPointerException | IllegalArgumentException e) {
            throw new MalformedBatchException("cannot parse reading batch: " + e.getMessage(), e);
        }
    }

    /** A message body that is not a reading batch. */
    public static final class MalformedBatchException extends RuntimeException {
        public MalformedBatchException(String message) {
            super(message);
        }

        public MalformedBatchException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
