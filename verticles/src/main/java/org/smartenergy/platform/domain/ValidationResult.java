package org.smartenergy.platform.domain;

/**
 * Outcome of validating one reading: either a {@link MeterReading} ready to publish, or a reason and a message a
 * person can act on.
 */
public sealed interface ValidationResult {

    /** The reading is valid. */
    record Valid(MeterReading reading) implements ValidationResult {
    }

    /** The reading is invalid: never published. */
    record Invalid(RejectReason reason, String message) implements ValidationResult {
    }
}
