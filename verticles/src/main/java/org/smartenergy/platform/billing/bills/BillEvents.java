package org.smartenergy.platform.billing.bills;

/**
 * What {@link BillService} tells about closing periods, for the node's metrics ({@link BillMetrics}). Called on the
 * thread that completed the operation; implementations must not block.
 */
public interface BillEvents {

    /** Tells nothing. */
    BillEvents NONE = new BillEvents() {
    };

    /** A period was closed: this call inserted its bill (a bill another node issued first is not reported). */
    default void issued(IssuedBill bill) {
    }

    /**
     * Closing failed and is retried on the next run: one device's due periods ({@code deviceId} set), or the whole
     * run because the devices with a tariff could not be listed ({@code deviceId} null).
     */
    default void closeFailed(String deviceId, Throwable cause) {
    }
}
