package org.smartenergy.platform.ingestion;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.vertx.core.buffer.Buffer;
import org.smartenergy.proto.v1.Reading;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The bodies of {@link IngestionApi#BATCH_ADDRESS} requests and replies: compact binary, built from protobuf's
 * wire primitives (varints and length-delimited fields, no tags), so a reading travels as the bytes the device sent.
 *
 * <pre>
 * request: version (1 byte, {@value #VERSION}) | count (varint) | count x { device id (string) | reading (bytes) }
 * reply:   version (1 byte, {@value #VERSION}) | count (varint) | count x { kind (1 byte) | [reason (string)] | [code (string)] }
 * </pre>
 * A string or bytes field is a varint length followed by that many bytes (UTF-8 for strings). The device id is the
 * one the caller authenticated as; the reading is a serialized {@code energy.v1.Reading}. A reply entry carries a
 * reason unless it is {@link Kind#ACCEPTED}, and a code only when it is {@link Kind#REJECTED}; entry {@code i} of the
 * reply is the outcome of reading {@code i} of the request.
 *
 * <p>No Vert.x context needed: plain functions, unit-tested on their own.
 */
public final class IngestionBatchCodec {

    /** Format version, the first byte of every request and reply. */
    public static final int VERSION = 1;

    private IngestionBatchCodec() {
    }

    /** The final outcome of one reading of a batch request. */
    public enum Kind {
        /** Durably queued: the broker confirmed the AMQP batch holding it. */
        ACCEPTED(1),
        /** Invalid, never published; {@code reason} and {@code code} say why. Resending it is pointless. */
        REJECTED(2),
        /** Not accepted because the broker did not confirm (nack, timeout, down); may be resent. */
        UNAVAILABLE(3),
        /** Not accepted because ingestion holds too many unconfirmed readings; resend with back-off. */
        OVERLOADED(4);

        private final int wire;

        Kind(int wire) {
            this.wire = wire;
        }

        static Kind fromWire(int value) {
            for (Kind kind : values()) {
                if (kind.wire == value) {
                    return kind;
                }
            }
            throw new MalformedException("unknown outcome kind " + value);
        }
    }

    /**
     * One reading of a request.
     *
     * @param deviceId the device the caller authenticated as
     * @param reading  the reading, or null when its bytes are not a serialized {@code energy.v1.Reading}
     */
    public record Entry(String deviceId, Reading reading) {
    }

    /**
     * The outcome of one reading.
     *
     * @param kind   what happened
     * @param reason a person-readable reason, empty for {@link Kind#ACCEPTED}
     * @param code   the machine-readable rejection reason ({@code RejectReason#tag()}), empty unless
     *               {@link Kind#REJECTED}
     */
    public record Outcome(Kind kind, String reason, String code) {
        /** The one ACCEPTED outcome. */
        public static final Outcome ACCEPTED = new Outcome(Kind.ACCEPTED, "", "");

        public Outcome {
            Objects.requireNonNull(kind, "kind");
            reason = reason == null ? "" : reason;
            code = code == null ? "" : code;
        }

        public static Outcome rejected(String reason, String code) {
            return new Outcome(Kind.REJECTED, reason, code);
        }

        public static Outcome unavailable(String reason) {
            return new Outcome(Kind.UNAVAILABLE, reason, "");
        }

        public static Outcome overloaded(String reason) {
            return new Outcome(Kind.OVERLOADED, reason, "");
        }
    }

    /** A body that does not follow this format (or another version of it): a contract violation, not an outcome. */
    public static final class MalformedException extends RuntimeException {
        public MalformedException(String message) {
            super(message, null, false, false);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // request

    /**
     * @param deviceIds the authenticated device of each reading
     * @param readings  the readings, as many as {@code deviceIds}
     */
    public static Buffer encodeRequest(List<String> deviceIds, List<Reading> readings) {
        if (deviceIds.size() != readings.size()) {
            throw new IllegalArgumentException("one device id per reading expected");
        }
        int count = readings.size();
        int size = 1 + CodedOutputStream.computeUInt32SizeNoTag(count);
        int[] readingSizes = new int[count];
        for (int i = 0; i < count; i++) {
            readingSizes[i] = readings.get(i).getSerializedSize();
            size += CodedOutputStream.computeStringSizeNoTag(deviceIds.get(i))
                    + CodedOutputStream.computeUInt32SizeNoTag(readingSizes[i]) + readingSizes[i];
        }
        byte[] bytes = new byte[size];
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            out.writeRawByte(VERSION);
            out.writeUInt32NoTag(count);
            for (int i = 0; i < count; i++) {
                out.writeStringNoTag(deviceIds.get(i));
                out.writeUInt32NoTag(readingSizes[i]);
                readings.get(i).writeTo(out);
            }
            out.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new UncheckedIOException("encoding into an array of the computed size cannot fail", e);
        }
        return Buffer.buffer(bytes);
    }

    /**
     * @param maxEntries the largest count accepted
     * @return the entries in order; an entry whose reading bytes do not parse has a null reading
     * @throws MalformedException if the framing is broken, the version unknown or the count above {@code maxEntries}
     */
    public static List<Entry> decodeRequest(Buffer body, int maxEntries) {
        CodedInputStream in = open(body);
        try {
            int count = count(in, maxEntries);
            List<Entry> entries = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String deviceId = in.readStringRequireUtf8();
                ByteString bytes = in.readBytes();
                Reading reading;
                try {
                    reading = Reading.parseFrom(bytes);
                } catch (InvalidProtocolBufferException e) {
                    reading = null;
                }
                entries.add(new Entry(deviceId, reading));
            }
            requireEnd(in);
            return entries;
        } catch (IOException e) {
            throw new MalformedException("malformed batch request: " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // reply

    /** @return the reply body for the outcomes, in request order */
    public static Buffer encodeReply(List<Outcome> outcomes) {
        int count = outcomes.size();
        int size = 1 + CodedOutputStream.computeUInt32SizeNoTag(count);
        for (Outcome o : outcomes) {
            size += 1;
            if (o.kind() != Kind.ACCEPTED) {
                size += CodedOutputStream.computeStringSizeNoTag(o.reason());
            }
            if (o.kind() == Kind.REJECTED) {
                size += CodedOutputStream.computeStringSizeNoTag(o.code());
            }
        }
        byte[] bytes = new byte[size];
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            out.writeRawByte(VERSION);
            out.writeUInt32NoTag(count);
            for (Outcome o : outcomes) {
                out.writeRawByte(o.kind().wire);
                if (o.kind() != Kind.ACCEPTED) {
                    out.writeStringNoTag(o.reason());
                }
                if (o.kind() == Kind.REJECTED) {
                    out.writeStringNoTag(o.code());
                }
            }
            out.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new UncheckedIOException("encoding into an array of the computed size cannot fail", e);
        }
        return Buffer.buffer(bytes);
    }

    /**
     * @param expected the number of readings of the request
     * @throws MalformedException if the body is broken or does not hold exactly {@code expected} outcomes
     */
    public static List<Outcome> decodeReply(Buffer body, int expected) {
        CodedInputStream in = open(body);
        try {
            int count = in.readUInt32();
            if (count != expected) {
                throw new MalformedException("batch reply holds " + count + " outcomes for " + expected
                        + " readings");
            }
            List<Outcome> outcomes = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                Kind kind = Kind.fromWire(in.readRawByte());
                if (kind == Kind.ACCEPTED) {
                    outcomes.add(Outcome.ACCEPTED);
                } else {
                    String reason = in.readStringRequireUtf8();
                    String code = kind == Kind.REJECTED ? in.readStringRequireUtf8() : "";
                    outcomes.add(new Outcome(kind, reason, code));
                }
            }
            requireEnd(in);
            return outcomes;
        } catch (IOException e) {
            throw new MalformedException("malformed batch reply: " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    private static CodedInputStream open(Buffer body) {
        if (body == null || body.length() < 1) {
            throw new MalformedException("empty body");
        }
        byte version = body.getByte(0);
        if (version != VERSION) {
            throw new MalformedException("unsupported batch format version " + version);
        }
        return CodedInputStream.newInstance(body.getBytes(1, body.length()));
    }

    private static int count(CodedInputStream in, int max) throws IOException {
        int count = in.readUInt32();
        if (count < 0 || count > max) {
            throw new MalformedException("batch of " + Integer.toUnsignedString(count) + " readings, at most "
                    + max + " accepted");
        }
        return count;
    }

    private static void requireEnd(CodedInputStream in) throws IOException {
        if (!in.isAtEnd()) {
            throw new MalformedException("trailing bytes after the last entry");
        }
    }
}
