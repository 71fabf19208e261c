package org.smartenergy.platform.ingestion;

import com.google.protobuf.Timestamp;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.smartenergy.platform.ingestion.IngestionBatchCodec.Entry;
import org.smartenergy.platform.ingestion.IngestionBatchCodec.Kind;
import org.smartenergy.platform.ingestion.IngestionBatchCodec.MalformedException;
import org.smartenergy.platform.ingestion.IngestionBatchCodec.Outcome;
import org.smartenergy.proto.v1.Reading;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The wire format of batch requests and replies between gateways and ingestion. */
class IngestionBatchCodecTest {

    @Test
    void requestRoundTripsEveryReadingWithItsDeviceInOrder() {
        // GIVEN readings of three devices, one of them with a non-ASCII id as the registry may hold it
        List<String> devices = List.of("meter-1", "zähler-2", "meter-3");
        List<Reading> readings = List.of(reading("meter-1", 1), reading("zähler-2", 2), reading("meter-3", 3));
        // WHEN encoded and decoded
        List<Entry> entries = IngestionBatchCodec.decodeRequest(
                IngestionBatchCodec.encodeRequest(devices, readings), 10);
        // THEN each entry is the reading and its device, in order
        assertThat(entries).extracting(Entry::deviceId).containsExactlyElementsOf(devices);
        assertThat(entries).extracting(Entry::reading).containsExactlyElementsOf(readings);
    }

    @Test
    void readingsTravelAsTheirProtobufBytesWithAFewBytesOfFraming() {
        // GIVEN 256 readings
        List<String> devices = new ArrayList<>();
        List<Reading> readings = new ArrayList<>();
        int protobufBytes = 0;
        for (int i = 0; i < 256; i++) {
            devices.add("meter-" + i);
            readings.add(reading("meter-" + i, i));
            protobufBytes += readings.get(i).getSerializedSize() + ("meter-" + i).length();
        }
        // THEN the request costs the readings plus two length bytes each and a 3-byte header
        assertThat(IngestionBatchCodec.encodeRequest(devices, readings).length())
                .isEqualTo(protobufBytes + 2 * 256 + 3);
    }

    @Test
    void unparseableReadingBytesBecomeANullReadingNotABrokenRequest() {
        // GIVEN a request whose second entry's reading bytes are garbage (a field tag without a value)
        Buffer body = Buffer.buffer()
                .appendByte((byte) IngestionBatchCodec.VERSION).appendByte((byte) 2)
                .appendByte((byte) 1).appendString("a").appendByte((byte) 0)
                .appendByte((byte) 1).appendString("b").appendByte((byte) 1).appendByte((byte) 0x0a);
        // WHEN decoded THEN the framing holds and only that entry has no reading
        List<Entry> entries = IngestionBatchCodec.decodeRequest(body, 10);
        assertThat(entries).extracting(Entry::deviceId).containsExactly("a", "b");
        assertThat(entries.get(0).reading()).isEqualTo(Reading.getDefaultInstance());
        assertThat(entries.get(1).reading()).isNull();
    }

    @Test
    void brokenFramingWrongVersionOrTooManyReadingsAreRefused() {
        Buffer valid = IngestionBatchCodec.encodeRequest(List.of("m", "m"), List.of(reading("m", 1), reading("m", 2)));
        assertThatThrownBy(() -> IngestionBatchCodec.decodeRequest(valid.getBuffer(0, valid.length() - 1), 10))
                .isInstanceOf(MalformedException.class);
        assertThatThrownBy(() -> IngestionBatchCodec.decodeRequest(valid.copy().appendByte((byte) 0), 10))
                .isInstanceOf(MalformedException.class).hasMessageContaining("trailing");
        assertThatThrownBy(() -> IngestionBatchCodec.decodeRequest(valid, 1))
                .isInstanceOf(MalformedException.class).hasMessageContaining("at most 1");
        Buffer otherVersion = valid.copy();
        otherVersion.setByte(0, (byte) 2);
        assertThatThrownBy(() -> IngestionBatchCodec.decodeRequest(otherVersion, 10))
                .isInstanceOf(MalformedException.class).hasMessageContaining("version 2");
        assertThatThrownBy(() -> IngestionBatchCodec.decodeRequest(Buffer.buffer(), 10))
                .isInstanceOf(MalformedException.class);
    }

    @Test
    void replyRoundTripsEveryKindOfOutcomeInOrder() {
        List<Outcome> outcomes = List.of(Outcome.ACCEPTED, Outcome.rejected("usage_kwh must be >= 0", "usage_negative"),
                Outcome.unavailable("broker did not confirm within 5000 ms"), Outcome.overloaded("too many"),
                Outcome.ACCEPTED);
        List<Outcome> decoded = IngestionBatchCodec.decodeReply(IngestionBatchCodec.encodeReply(outcomes), 5);
        assertThat(decoded).containsExactlyElementsOf(outcomes);
        assertThat(decoded.get(2).kind()).isEqualTo(Kind.UNAVAILABLE);
        // an all-accepted reply of 256 readings is 256 bytes plus the header
        assertThat(IngestionBatchCodec.encodeReply(java.util.Collections.nCopies(256, Outcome.ACCEPTED)).length())
                .isEqualTo(256 + 3);
    }

    @Test
    void replyWithAnotherCountThanTheRequestIsRefused() {
        Buffer reply = IngestionBatchCodec.encodeReply(List.of(Outcome.ACCEPTED, Outcome.ACCEPTED));
        assertThatThrownBy(() -> IngestionBatchCodec.decodeReply(reply, 3))
                .isInstanceOf(MalformedException.class).hasMessageContaining("2 outcomes for 3 readings");
        Buffer unknownKind = Buffer.buffer(new byte[]{IngestionBatchCodec.VERSION, 1, 9});
        assertThatThrownBy(() -> IngestionBatchCodec.decodeReply(unknownKind, 1))
                .isInstanceOf(MalformedException.class).hasMessageContaining("kind 9");
    }

    private static Reading reading(String device, long seq) {
        return Reading.newBuilder().setDeviceId(device).setSeq(seq).setUsageKwh(0.25).setIntervalSeconds(900)
                .setTimestamp(Timestamp.newBuilder().setSeconds(1_767_225_600L + 900 * seq)).build();
    }
}
