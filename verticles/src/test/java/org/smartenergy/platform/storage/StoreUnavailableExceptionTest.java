package org.smartenergy.platform.storage;

import com.mongodb.MongoTimeoutException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StoreUnavailableExceptionTest {

    @Test
    void unreachableStoreDriverErrorBecomesStoreUnavailableKeepingItsCause() {
        // GIVEN the driver's "no server" failure
        MongoTimeoutException driver = new MongoTimeoutException("no server");

        // WHEN the data-access layer translates it
        Throwable translated = StoreUnavailableException.translate(driver);

        // THEN it is the store-unavailable failure, with the driver's error as its cause
        assertThat(translated).isInstanceOf(StoreUnavailableException.class)
                .hasMessage("the store (MongoDB) is unavailable, retry later")
                .hasCause(driver);
    }

    @Test
    void otherFailuresPassUnchanged() {
        IllegalStateException bug = new IllegalStateException("bug");
        StoreUnavailableException already = new StoreUnavailableException(null);

        assertThat(StoreUnavailableException.translate(bug)).isSameAs(bug);
        assertThat(StoreUnavailableException.translate(already)).isSameAs(already);
    }
}
