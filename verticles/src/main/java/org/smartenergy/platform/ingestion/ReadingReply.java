package org.smartenergy.platform.ingestion;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.domain.RejectReason;

import java.util.Arrays;

/**
 * Where the final outcome of one reading goes; exactly one method is called, once, on the verticle's context.
 */
interface ReadingReply {

    void accepted();

    void rejected(RejectReason reason, String text);

    void unavailable(String reason);

    void overloaded(String reason);

    /** The reply of a single-reading request: JSON, or a failed reply for transient failures. */
    final class Single implements ReadingReply {
        private static final JsonObject ACCEPTED = new JsonObject()
                .put(IngestionApi.FIELD_OUTCOME, IngestionApi.ACCEPTED);

        private final Message<Object> message;

        Single(Message<Object> message) {
            this.message = message;
        }

        @Override
        public void accepted() {
            message.reply(ACCEPTED);
        }

        @Override
        public void rejected(RejectReason reason, String text) {
            message.reply(new JsonObject()
                    .put(IngestionApi.FIELD_OUTCOME, IngestionApi.REJECTED)
                    .put(IngestionApi.FIELD_REASON, text)
                    .put(IngestionApi.FIELD_CODE, reason.tag()));
        }

        @Override
        public void unavailable(String reason) {
            message.fail(IngestionApi.FAILURE_UNAVAILABLE, reason);
        }

        @Override
        public void overloaded(String reason) {
            message.fail(IngestionApi.FAILURE_OVERLOADED, reason);
        }
    }

    /**
     * A batch request waiting for the outcomes of its readings; it replies once, when the last one is final (and
     * not before {@link #arm()}, so readings completed while the request is still being read cannot reply early).
     */
    final class BatchRequest {
        private final Message<Buffer> message;
        private final IngestionBatchCodec.Outcome[] outcomes;
        private int remaining;
        private boolean armed;

        BatchRequest(Message<Buffer> message, int size) {
            this.message = message;
            this.outcomes = new IngestionBatchCodec.Outcome[size];
            this.remaining = size;
        }

        ReadingReply slot(int index) {
            return new ReadingReply() {
                @Override
                public void accepted() {
                    complete(index, IngestionBatchCodec.Outcome.ACCEPTED);
                }

                @Override
                public void rejected(RejectReason reason, String text) {
                    complete(index, IngestionBatchCodec.Outcome.rejected(text, reason.tag()));
                }

                @Override
                public void unavailable(String reason) {
                    complete(index, IngestionBatchCodec.Outcome.unavailable(reason));
                }

                @Override
                public void overloaded(String reason) {
                    complete(index, IngestionBatchCodec.Outcome.overloaded(reason));
                }
            };
        }

        void arm() {
            armed = true;
            replyIfComplete();
        }

        private void complete(int index, IngestionBatchCodec.Outcome outcome) {
            if (outcomes[index] != null) {
                return; // a reading's outcome is final once given
            }
            outcomes[index] = outcome;
            remaining--;
            replyIfComplete();
        }

        private void replyIfComplete() {
            if (armed && remaining == 0) {
                message.reply(IngestionBatchCodec.encodeReply(Arrays.asList(outcomes)));
            }
        }
    }
}
