package org.smartenergy.platform.billing.bills;

/** A client error: the tariff, the device's tariff assignment or the bill asked for does not exist. */
public final class BillingNotFoundException extends RuntimeException {

    public BillingNotFoundException(String message) {
        super(message, null, false, false);
    }
}
