package org.smartenergy.platform.queue;

/**
 * Why {@link ConfirmingPublisher} failed a message: the broker did not confirm it, so the publisher does not know
 * whether it was stored. The message is the readable reason; {@link #cause()} is the metric label.
 */
public final class UnconfirmedException extends RuntimeException {

    /** Why a message was not confirmed; {@link #tag()} is the {@code cause} metric label. */
    public enum Cause {
        /** The broker refused the message (basic.nack). */
        NACK("nack"),
        /** No confirm came within the confirm timeout. */
        TIMEOUT("timeout"),
        /** The connection or channel was lost or replaced, or there was none. */
        CONNECTION("connection");

        private final String tag;

        Cause(String tag) {
            this.tag = tag;
        }

        /** @return the {@code cause} label value */
        public String tag() {
            return tag;
        }
    }

    private final Cause cause;

    public UnconfirmedException(Cause cause, String reason) {
        super(reason, null, false, false);
        this.cause = cause;
    }

    /** @return why the message was not confirmed (not a {@link Throwable} cause: see {@link #getCause()}) */
    public Cause cause() {
        return cause;
    }
}
