package org.smartenergy.platform.gateway;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.smartenergy.platform.domain.DeviceTokens;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** The device-token cache in front of the registry. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
class DeviceAuthenticatorTest {

    private static final String TOKEN = "token-of-meter-1";

    @Test
    void concurrentMissesForOneTokenShareOneLookup(Vertx vertx, VertxTestContext testContext) {
        // GIVEN a registry whose answer is still pending
        Promise<String> pending = Promise.promise();
        StubRegistry registry = new StubRegistry(hash -> pending.future());
        DeviceAuthenticator authenticator = authenticator(registry, Duration.ofSeconds(5));
        Checkpoint authenticated = testContext.checkpoint(10);
        vertx.runOnContext(v -> {
            // WHEN ten calls with the same token arrive before it answers
            List<Future<String>> calls = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                calls.add(authenticator.authenticate("Bearer " + TOKEN));
            }
            pending.complete("meter-1");
            // THEN all succeed with the device, after a single lookup
            calls.forEach(call -> call.onComplete(testContext.succeeding(id -> testContext.verify(() -> {
                assertThat(id).isEqualTo("meter-1");
                assertThat(registry.lookups.get()).isEqualTo(1);
                authenticated.flag();
            }))));
        });
    }

    @Test
    void lookupIsHashedAndCachedAndCallbacksRunOnTheCallersContext(Vertx vertx, VertxTestContext testContext) {
        StubRegistry registry = new StubRegistry(hash -> Future.succeededFuture(
                hash.equals(DeviceTokens.hash(TOKEN)) ? "meter-1" : null));
        DeviceAuthenticator authenticator = authenticator(registry, Duration.ofSeconds(5));
        vertx.runOnContext(v -> {
            var context = Vertx.currentContext();
            authenticator.authenticate("Bearer " + TOKEN)
                    .compose(first -> authenticator.authenticate("bearer " + TOKEN))
                    .onComplete(testContext.succeeding(id -> testContext.verify(() -> {
                        assertThat(id).isEqualTo("meter-1");
                        assertThat(Vertx.currentContext()).isSameAs(context);
                        assertThat(registry.lookups.get()).isEqualTo(1);
                        testContext.completeNow();
                    })));
        });
    }

    @Test
    void unknownTokenIsCachedOnlyBriefly(Vertx vertx, VertxTestContext testContext) {
        // GIVEN unknown tokens are remembered for 100 ms
        StubRegistry registry = new StubRegistry(hash -> Future.succeededFuture(null));
        DeviceAuthenticator authenticator = authenticator(registry, Duration.ofMillis(100));
        // WHEN the same unknown token comes twice at once, then again after 300 ms
        authenticator.authenticate("Bearer bad")
                .recover(t -> authenticator.authenticate("Bearer bad"))
                .onComplete(testContext.failing(t -> testContext.verify(() -> {
                    assertThat(t).isInstanceOf(GatewayException.class);
                    assertThat(((GatewayException) t).kind()).isEqualTo(GatewayException.Kind.UNAUTHENTICATED);
                    assertThat(registry.lookups.get()).isEqualTo(1);
                    vertx.setTimer(300, id -> authenticator.authenticate("Bearer bad")
                            .onComplete(testContext.failing(again -> testContext.verify(() -> {
                                // THEN the registry is asked again once the negative entry expired
                                assertThat(registry.lookups.get()).isEqualTo(2);
                                testContext.completeNow();
                            }))));
                })));
    }

    @Test
    void failedLookupIsUnavailableAndNotCached(VertxTestContext testContext) {
        StubRegistry registry = new StubRegistry(hash -> Future.failedFuture(new RuntimeException("mongo down")));
        DeviceAuthenticator authenticator = authenticator(registry, Duration.ofSeconds(5));
        authenticator.authenticate("Bearer " + TOKEN)
                .recover(t -> authenticator.authenticate("Bearer " + TOKEN))
                .onComplete(testContext.failing(t -> testContext.verify(() -> {
                    assertThat(((GatewayException) t).kind()).isEqualTo(GatewayException.Kind.UNAVAILABLE);
                    assertThat(registry.lookups.get()).isEqualTo(2);
                    testContext.completeNow();
                })));
    }

    @Test
    void missingOrMalformedHeaderIsUnauthenticatedWithoutLookup(VertxTestContext testContext) {
        StubRegistry registry = new StubRegistry(hash -> Future.succeededFuture("meter-1"));
        DeviceAuthenticator authenticator = authenticator(registry, Duration.ofSeconds(5));
        List<Future<String>> calls = List.of(authenticator.authenticate(null),
                authenticator.authenticate("Bearer "), authenticator.authenticate("Token " + TOKEN),
                authenticator.authenticate(TOKEN));
        Future.join(calls).onComplete(ar -> testContext.verify(() -> {
            for (Future<String> call : calls) {
                assertThat(call.failed()).isTrue();
                assertThat(((GatewayException) call.cause()).kind())
                        .isEqualTo(GatewayException.Kind.UNAUTHENTICATED);
            }
            assertThat(registry.lookups.get()).isZero();
            testContext.completeNow();
        }));
    }

    private static DeviceAuthenticator authenticator(DeviceAdmin registry, Duration negativeTtl) {
        return new DeviceAuthenticator(registry, 1_000, Duration.ofMinutes(5), negativeTtl);
    }

    /** Answers token lookups as the test says (a device id: that device, enabled) and counts them. */
    private static final class StubRegistry implements DeviceAdmin {
        final AtomicInteger lookups = new AtomicInteger();
        private final Function<String, Future<String>> answer;

        StubRegistry(Function<String, Future<String>> answer) {
            this.answer = answer;
        }

        @Override
        public Future<TokenOwner> tokenOwner(String tokenHash) {
            lookups.incrementAndGet();
            return answer.apply(tokenHash).map(id -> id == null ? null : new TokenOwner(id, true));
        }

        @Override
        public Future<Device> create(String deviceId, String name, String tokenHash) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Future<java.util.Set<String>> createAll(List<NewDevice> devices) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Future<Device> find(String deviceId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Future<List<Device>> page(String after, int limit) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Future<Device> replaceTokenHash(String deviceId, String tokenHash) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Future<Device> update(String deviceId, Boolean enabled, String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Future<Boolean> delete(String deviceId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Future<Void> init() {
            return Future.succeededFuture();
        }
    }
}
