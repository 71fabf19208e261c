package org.smartenergy.platform.gateway;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.domain.DeviceTokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Resolves the {@code authorization: Bearer <device token>} metadata of a gRPC call to the device the token belongs
 * to, and refuses a disabled device's token (PERMISSION_DENIED "device 'x' is disabled").
 *
 * <p>Lookups go through a Caffeine cache keyed by the token's SHA-256, so the hot path does not query the registry
 * per call: known tokens stay cached for the configured TTL, unknown ones for at most {@link #NEGATIVE_TTL} (enough
 * to blunt a flood of bad tokens, short enough not to matter to an operator who just provisioned a device).
 * Concurrent misses for the same hash share one registry lookup; a failed lookup is not cached.
 *
 * <p>Revocation ({@link #revoke}, on this node directly and on every node through {@link DeviceRevocations}): what
 * the cache holds for the device goes, and so do lookups in flight (a lookup that started before the revocation
 * and ends after it is not trusted: its callers look up again). Streams opened with {@link #open} are re-checked
 * against the registry and ended (through their handler) if their token no longer passes.
 *
 * <p>The raw token never leaves this class and is never logged.
 */
public final class DeviceAuthenticator {

    /** How long an unknown token hash is remembered as unknown. */
    public static final Duration NEGATIVE_TTL = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(DeviceAuthenticator.class);
    private static final String BEARER = "bearer ";
    /** Tokens are 43 characters; anything far longer is not worth hashing. */
    private static final int MAX_TOKEN_LENGTH = 512;
    /** Lookups that straddle a revocation are repeated at most this many times (revocations are rare). */
    private static final int MAX_ATTEMPTS = 4;

    private final DeviceAdmin registry;
    private final AsyncCache<String, Lookup> cache;
    /** Counts revocations; a lookup that saw it change while in flight is repeated. */
    private final AtomicLong revocations = new AtomicLong();
    private final Map<String, Set<Session>> sessions = new ConcurrentHashMap<>();
    private MessageConsumer<JsonObject> consumer;

    /**
     * @param registry     where token hashes are looked up on a cache miss
     * @param maxSize      cached hashes at most
     * @param positiveTtl  how long a known token stays cached
     * @param negativeTtl  how long an unknown token stays cached
     */
    public DeviceAuthenticator(DeviceAdmin registry, long maxSize, Duration positiveTtl, Duration negativeTtl) {
        this.registry = Objects.requireNonNull(registry, "registry");
        long positiveNanos = positiveTtl.toNanos();
        long negativeNanos = Math.min(negativeTtl.toNanos(), positiveNanos);
        this.cache = Caffeine.newBuilder()
                .maximumSize(maxSize)
                .expireAfter(new Expiry<String, Lookup>() {
                    @Override
                    public long expireAfterCreate(String key, Lookup value, long currentTime) {
                        if (value.failure() != null || value.straddled()) {
                            return 0; // shared by the calls that waited for it, then gone
                        }
                        return value.deviceId() != null ? positiveNanos : negativeNanos;
                    }

                    @Override
                    public long expireAfterUpdate(String key, Lookup value, long currentTime,
                                                  long currentDuration) {
                        return expireAfterCreate(key, value, currentTime);
                    }

                    @Override
                    public long expireAfterRead(String key, Lookup value, long currentTime,
                                                long currentDuration) {
                        return currentDuration;
                    }
                })
                .buildAsync();
    }

    /** @return an authenticator configured from the gateway options */
    public static DeviceAuthenticator create(DeviceAdmin registry, GatewayOptions options) {
        return new DeviceAuthenticator(registry, options.tokenCacheMaxSize(),
                Duration.ofSeconds(options.tokenCacheTtlSeconds()), NEGATIVE_TTL);
    }

    /**
     * Listens for {@link DeviceRevocations} notices from every node (and this one); idempotent.
     *
     * @return completes once the listener is registered cluster-wide
     */
    public synchronized Future<Void> listen(EventBus bus) {
        if (consumer != null) {
            return consumer.completion();
        }
        consumer = bus.consumer(DeviceRevocations.ADDRESS, message -> {
            JsonObject body = message.body();
            String deviceId = body == null ? null : body.getString("deviceId");
            if (deviceId != null) {
                revoke(deviceId, body.getString("change"));
            }
        });
        return consumer.completion();
    }

    /** Stops listening for revocation notices. */
    public synchronized Future<Void> close() {
        if (consumer == null) {
            return Future.succeededFuture();
        }
        MessageConsumer<JsonObject> c = consumer;
        consumer = null;
        return c.unregister();
    }

    /**
     * @param authorization the value of the {@code authorization} metadata entry, may be null
     * @return the id of the device the token belongs to; fails with a {@link GatewayException} of kind
     *         UNAUTHENTICATED (missing, malformed, unknown token), PERMISSION_DENIED (disabled device) or UNAVAILABLE
     *         (the registry could not be asked)
     */
    public Future<String> authenticate(String authorization) {
        String token = bearerToken(authorization);
        if (token == null) {
            return Future.failedFuture(new GatewayException(GatewayException.Kind.UNAUTHENTICATED,
                    authorization == null ? "missing authorization metadata (expected 'Bearer <device token>')"
                            : "malformed authorization metadata (expected 'Bearer <device token>')"));
        }
        return resolve(DeviceTokens.hash(token), 1);
    }

    /**
     * Authenticates a call that stays open (a stream): as {@link #authenticate}, and until the session is closed
     * {@code onRevoked} is called (once, on the caller's context) with the failure the token now gets, should a
     * revocation of the device make it fail.
     */
    public Future<Session> open(String authorization, Handler<Throwable> onRevoked) {
        long before = revocations.get();
        String token = bearerToken(authorization);
        return authenticate(authorization).map(deviceId -> {
            Session session = new Session(deviceId, DeviceTokens.hash(token), Vertx.currentContext(), onRevoked);
            sessions.computeIfAbsent(deviceId, k -> ConcurrentHashMap.newKeySet()).add(session);
            if (revocations.get() != before) {
                // a revocation came while we authenticated and may have missed this session: check again
                session.recheck();
            }
            return session;
        });
    }

    /**
     * Forgets what is cached about the device (and every lookup in flight) and re-checks its open sessions. Called
     * by {@link DeviceRevocations} after the registry changed.
     */
    public void revoke(String deviceId, String change) {
        // order matters: drop, then count, then re-check (see open and resolve)
        cache.asMap().entrySet().removeIf(entry -> {
            CompletableFuture<Lookup> lookup = entry.getValue();
            if (!lookup.isDone()) {
                return true;
            }
            Lookup found = lookup.getNow(null);
            return found != null && deviceId.equals(found.deviceId());
        });
        revocations.incrementAndGet();
        Set<Session> open = sessions.get(deviceId);
        int rechecked = 0;
        if (open != null) {
            for (Session session : open) {
                session.recheck();
                rechecked++;
            }
        }
        LOG.debug("device credentials revoked [deviceId: {}, change: {}, openStreams: {}]", deviceId, change,
                rechecked);
    }

    private Future<String> resolve(String hash, int attempt) {
        // a failed registry call is kept as a value (expiring at once) rather than a failed future, which Caffeine
        // would log with a stack trace per miss during a database outage
        CompletableFuture<Lookup> lookup = cache.get(hash, (key, executor) -> lookUp(key));
        // the lookup may complete on another context's thread: come back to the caller's
        Context context = Vertx.currentContext();
        Future<Lookup> result = context == null
                ? Future.fromCompletionStage(lookup)
                : Future.fromCompletionStage(lookup, context);
        return result.compose(found -> {
            if (found.straddled() && attempt < MAX_ATTEMPTS) {
                cache.asMap().remove(hash, lookup);
                return resolve(hash, attempt + 1);
            }
            return verdict(found);
        });
    }

    private static Future<String> verdict(Lookup found) {
        if (found.failure() != null) {
            LOG.warn("device registry lookup failed: {}", found.failure().toString());
            return Future.failedFuture(new GatewayException(GatewayException.Kind.UNAVAILABLE,
                    "device registry unavailable, retry later"));
        }
        if (found.deviceId() == null) {
            return Future.failedFuture(new GatewayException(GatewayException.Kind.UNAUTHENTICATED,
                    "unknown device token"));
        }
        if (!found.enabled()) {
            return Future.failedFuture(new GatewayException(GatewayException.Kind.PERMISSION_DENIED,
                    "device '" + found.deviceId() + "' is disabled"));
        }
        return Future.succeededFuture(found.deviceId());
    }

    private CompletableFuture<Lookup> lookUp(String hash) {
        long before = revocations.get();
        Future<DeviceAdmin.TokenOwner> found;
        try {
            found = registry.tokenOwner(hash);
        } catch (RuntimeException e) {
            found = Future.failedFuture(e);
        }
        return found.transform(ar -> {
                    boolean straddled = revocations.get() != before;
                    DeviceAdmin.TokenOwner owner = ar.result();
                    return Future.succeededFuture(owner == null
                            ? new Lookup(null, false, ar.cause(), straddled)
                            : new Lookup(owner.deviceId(), owner.enabled(), null, straddled));
                })
                .toCompletionStage()
                .toCompletableFuture();
    }

    /**
     * The outcome of one registry lookup: a device id (and whether it is enabled), null for an unknown token, or
     * the failure; {@code straddled} if a revocation happened while it was in flight.
     */
    private record Lookup(String deviceId, boolean enabled, Throwable failure, boolean straddled) {
    }

    /** An open call of an authenticated device, re-checked when the device's credentials change. */
    public final class Session {

        private final String deviceId;
        private final String tokenHash;
        private final Context context;
        private final Handler<Throwable> onRevoked;
        private volatile boolean closed;

        private Session(String deviceId, String tokenHash, Context context, Handler<Throwable> onRevoked) {
            this.deviceId = deviceId;
            this.tokenHash = tokenHash;
            this.context = context;
            this.onRevoked = onRevoked;
        }

        /** @return the authenticated device */
        public String deviceId() {
            return deviceId;
        }

        /** No more re-checks; idempotent. */
        public void close() {
            closed = true;
            sessions.computeIfPresent(deviceId, (id, set) -> {
                set.remove(this);
                return set.isEmpty() ? null : set;
            });
        }

        private void recheck() {
            Runnable check = () -> {
                if (closed) {
                    return;
                }
                resolve(tokenHash, 1).onComplete(ar -> {
                    if (closed || ar.succeeded() && deviceId.equals(ar.result())) {
                        return;
                    }
                    close();
                    onRevoked.handle(ar.failed() ? ar.cause() : new GatewayException(
                            GatewayException.Kind.UNAUTHENTICATED, "unknown device token"));
                });
            };
            if (context == null) {
                check.run();
            } else {
                context.runOnContext(v -> check.run());
            }
        }
    }

    private static String bearerToken(String authorization) {
        if (authorization == null || authorization.length() <= BEARER.length()
                || authorization.length() > BEARER.length() + MAX_TOKEN_LENGTH
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        String token = authorization.substring(BEARER.length()).trim();
        return token.isEmpty() ? null : token;
    }
}
