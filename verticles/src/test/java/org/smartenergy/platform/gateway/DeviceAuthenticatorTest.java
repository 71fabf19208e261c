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
import java.util.concurrent.atomic.AtomicReference;
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

    @Test
    void disabledDeviceIsPermissionDeniedNamingIt(VertxTestContext testContext) {
        StubRegistry registry = StubRegistry.owners(hash -> Future.succeededFuture(
                new DeviceAdmin.TokenOwner("meter-1", false)));
        authenticator(registry, Duration.ofSeconds(5)).authenticate("Bearer " + TOKEN)
                .onComplete(testContext.failing(t -> testContext.verify(() -> {
                    assertThat(((GatewayException) t).kind()).isEqualTo(GatewayException.Kind.PERMISSION_DENIED);
                    assertThat(t.getMessage()).isEqualTo("device 'meter-1' is disabled");
                    testContext.completeNow();
                })));
    }

    @Test
    void revocationDropsTheCachedTokenSoTheNextCallAsksTheRegistry(Vertx vertx, VertxTestContext testContext) {
        // GIVEN meter-1's token is cached, then the registry forgets it (rotated)
        AtomicReference<String> owner = new AtomicReference<>("meter-1");
        StubRegistry registry = new StubRegistry(hash -> Future.succeededFuture(owner.get()));
        DeviceAuthenticator authenticator = authenticator(registry, Duration.ofSeconds(5));
        vertx.runOnContext(v -> authenticator.authenticate("Bearer " + TOKEN)
                .compose(first -> {
                    owner.set(null);
                    return authenticator.authenticate("Bearer " + TOKEN);
                })
                .compose(cached -> {
                    testContext.verify(() -> assertThat(cached).isEqualTo("meter-1"));
                    // WHEN the device's credentials are revoked
                    authenticator.revoke("meter-1", DeviceRevocations.ROTATED);
                    return authenticator.authenticate("Bearer " + TOKEN);
                })
                // THEN the next call asks the registry again and is refused
                .onComplete(testContext.failing(t -> testContext.verify(() -> {
                    assertThat(((GatewayException) t).kind()).isEqualTo(GatewayException.Kind.UNAUTHENTICATED);
                    assertThat(registry.lookups.get()).isEqualTo(2);
                    testContext.completeNow();
                }))));
    }

    @Test
    void lookupInFlightDuringARevocationIsRepeated(Vertx vertx, VertxTestContext testContext) {
        // GIVEN a lookup that is still pending and will answer what the registry held before the revocation
        Promise<String> stale = Promise.promise();
        AtomicInteger calls = new AtomicInteger();
        StubRegistry registry = new StubRegistry(hash -> calls.incrementAndGet() == 1 ? stale.future()
                : Future.succeededFuture(null));
        DeviceAuthenticator authenticator = authenticator(registry, Duration.ofSeconds(5));
        vertx.runOnContext(v -> {
            Future<String> call = authenticator.authenticate("Bearer " + TOKEN);
            // WHEN the device is revoked while it is in flight, and then it answers with the old owner
            authenticator.revoke("meter-1", DeviceRevocations.DELETED);
            stale.complete("meter-1");
            // THEN that answer is not trusted: the registry is asked again and the call refused
            call.onComplete(testContext.failing(t -> testContext.verify(() -> {
                assertThat(((GatewayException) t).kind()).isEqualTo(GatewayException.Kind.UNAUTHENTICATED);
                assertThat(registry.lookups.get()).isEqualTo(2);
                testContext.completeNow();
            })));
        });
    }

    @Test
    void noticeOnTheEventBusEndsAnOpenSessionWhoseTokenNoLongerPasses(Vertx vertx, VertxTestContext testContext) {
        // GIVEN an authenticator listening for notices and a session of meter-1
        AtomicReference<DeviceAdmin.TokenOwner> owner = new AtomicReference<>(
                new DeviceAdmin.TokenOwner("meter-1", true));
        StubRegistry registry = StubRegistry.owners(hash -> Future.succeededFuture(owner.get()));
        DeviceAuthenticator authenticator = authenticator(registry, Duration.ofSeconds(5));
        vertx.runOnContext(v -> authenticator.listen(vertx.eventBus())
                .compose(listening -> authenticator.open("Bearer " + TOKEN, revoked -> testContext.verify(() -> {
                    // THEN the session is told, with the failure the token now gets
                    assertThat(((GatewayException) revoked).kind())
                            .isEqualTo(GatewayException.Kind.PERMISSION_DENIED);
                    assertThat(Vertx.currentContext()).isNotNull();
                    testContext.completeNow();
                })))
                .onComplete(testContext.succeeding(session -> {
                    testContext.verify(() -> assertThat(session.deviceId()).isEqualTo("meter-1"));
                    // WHEN the device is disabled and the notice published
                    owner.set(new DeviceAdmin.TokenOwner("meter-1", false));
                    vertx.eventBus().publish(DeviceRevocations.ADDRESS,
                            DeviceRevocations.notice("meter-1", DeviceRevocations.DISABLED));
                })));
    }

    @Test
    void sessionWhoseTokenStillPassesOutlivesANotice(Vertx vertx, VertxTestContext testContext) {
        StubRegistry registry = new StubRegistry(hash -> Future.succeededFuture("meter-1"));
        DeviceAuthenticator authenticator = authenticator(registry, Duration.ofSeconds(5));
        AtomicInteger revoked = new AtomicInteger();
        vertx.runOnContext(v -> authenticator.open("Bearer " + TOKEN, t -> revoked.incrementAndGet())
                .onComplete(testContext.succeeding(session -> {
                    // WHEN a notice for the device comes (enabled), and one for another device
                    authenticator.revoke("meter-1", DeviceRevocations.ENABLED);
                    authenticator.revoke("meter-2", DeviceRevocations.DELETED);
                    // THEN the session was re-checked against the registry, once, and lives on
                    vertx.setPeriodic(10, id -> {
                        if (registry.lookups.get() >= 2) {
                            vertx.cancelTimer(id);
                            vertx.runOnContext(x -> testContext.verify(() -> {
                                assertThat(registry.lookups.get()).isEqualTo(2);
                                assertThat(revoked.get()).isZero();
                                session.close();
                                testContext.completeNow();
                            }));
                        }
                    });
                })));
    }

    private static DeviceAuthenticator authenticator(DeviceAdmin registry, Duration negativeTtl) {
        return new DeviceAuthenticator(registry, 1_000, Duration.ofMinutes(5), negativeTtl);
    }

    /** Answers token lookups as the test says (a device id: that device, enabled) and counts them. */
    private static final class StubRegistry implements DeviceAdmin {
        final AtomicInteger lookups = new AtomicInteger();
        private final Function<String, Future<TokenOwner>> answer;

        StubRegistry(Function<String, Future<String>> answer) {
            this.answer = hash -> answer.apply(hash).map(id -> id == null ? null : new TokenOwner(id, true));
        }

        private StubRegistry(Function<String, Future<TokenOwner>> answer, boolean owners) {
            this.answer = answer;
        }

        static StubRegistry owners(Function<String, Future<TokenOwner>> answer) {
            return new StubRegistry(answer, true);
        }

        @Override
        public Future<TokenOwner> tokenOwner(String tokenHash) {
            lookups.incrementAndGet();
            return answer.apply(tokenHash);
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
