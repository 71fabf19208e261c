package org.smartenergy.platform.billing.bills;

/**
 * A tariff assignment or end of supply that cannot be made: its effective day is in the future or in a period that
 * is already closed. No stack trace: an outcome for the caller, not a bug.
 */
public final class AssignmentRejectedException extends RuntimeException {

    private final boolean conflict;

    /**
     * @param conflict true if the request clashes with what is already billed (a closed period; HTTP 409), false if
     *                 it is invalid on its own (HTTP 400)
     */
    public AssignmentRejectedException(boolean conflict, String message) {
        super(message, null, false, false);
        this.conflict = conflict;
    }

    /** @return true for a clash with a closed period, false for an invalid request */
    public boolean conflict() {
        return conflict;
    }
}
