package org.smartenergy.platform.billing.bills;

import com.mongodb.MongoTimeoutException;
import org.junit.jupiter.api.Test;
import org.smartenergy.platform.gateway.ErrorMapping;
import org.smartenergy.platform.gateway.GatewayException;
import org.smartenergy.platform.storage.StoreUnavailableException;

import static org.assertj.core.api.Assertions.assertThat;

class BillPortsTest {

    @Test
    void billingFailuresReachTheGatewayInItsOwnVocabulary() {
        // GIVEN billing's failures, WHEN translated for the gateway's ports, THEN the gateway's kinds, same messages
        assertThat(BillPorts.translate(new BillingNotFoundException("no bill")))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.kind()).isEqualTo(GatewayException.Kind.NOT_FOUND);
                    assertThat(e).hasMessage("no bill");
                });
        assertThat(BillPorts.translate(new AssignmentRejectedException(true, "closed period")))
                .isInstanceOfSatisfying(GatewayException.class,
                        e -> assertThat(e.kind()).isEqualTo(GatewayException.Kind.ALREADY_EXISTS));
        assertThat(BillPorts.translate(new AssignmentRejectedException(false, "in the future")))
                .isInstanceOfSatisfying(GatewayException.class,
                        e -> assertThat(e.kind()).isEqualTo(GatewayException.Kind.INVALID_ARGUMENT));
    }

    @Test
    void anUnreachableStoreIsUnavailableAtTheEdge() {
        // GIVEN the driver saying no server answers, WHEN translated and mapped at the edge
        Throwable translated = BillPorts.translate(new MongoTimeoutException("no server"));
        ErrorMapping.Mapped mapped = ErrorMapping.map(translated);

        // THEN a store-unavailable failure, 503 / UNAVAILABLE with the store message
        assertThat(translated).isInstanceOf(StoreUnavailableException.class);
        assertThat(mapped.httpStatus()).isEqualTo(503);
        assertThat(mapped.error()).isEqualTo("unavailable");
        assertThat(mapped.message()).isEqualTo("the store (MongoDB) is unavailable, retry later");
    }
}
