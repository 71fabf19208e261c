package org.smartenergy.platform.gateway;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.smartenergy.platform.device.DeviceRegistry;
import org.smartenergy.platform.domain.DeviceTokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Resolves the {@code authorization: Bearer <device token>} metadata of a gRPC call to the device the token belongs
 * to.
 *
 * <p>Lookups go through a Caffeine cache keyed by the token's SHA-256, so the hot path does not query the registry
 * per call: known tokens stay cached for the configured TTL, unknown ones for at most {@link #NEGATIVE_TTL} (enough
 * to blunt a flood of bad tokens, short enough not to matter to an operator who just provisioned a device).
 * Concurrent misses for the same hash share one registry lookup; a failed lookup is not cached.
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

    private final DeviceRegistry registry;
    private final AsyncCache<String, Lookup> cache;

    /**
     * @param registry     where token hashes are looked up on a cache miss
     * @param maxSize      cached hashes at most
     * @param positiveTtl  how long a known token stays cached
     * @param negativeTtl  how long an unknown token stays cached
     */
    public DeviceAuthenticator(DeviceRegistry registry, long maxSize, Duration positiveTtl, Duration negativeTtl) {
        this.registry = Objects.requireNonNull(registry, "registry");
        long positiveNanos = positiveTtl.toNanos();
        long negativeNanos = Math.min(negativeTtl.toNanos(), positiveNanos);
        this.cache = Caffeine.newBuilder()
                .maximumSize(maxSize)
                .expireAfter(new Expiry<String, Lookup>() {
                    @Override
                    public long expireAfterCreate(String key, Lookup value, long currentTime) {
                        if (value.failure() != null) {
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
    public static DeviceAuthenticator create(DeviceRegistry registry, GatewayOptions options) {
        return new DeviceAuthenticator(registry, options.tokenCacheMaxSize(),
                Duration.ofSeconds(options.tokenCacheTtlSeconds()), NEGATIVE_TTL);
    }

    /**
     * @param authorization the value of the {@code authorization} metadata entry, may be null
     * @return the id of the device the token belongs to; fails with a {@link GatewayException} of kind
     *         UNAUTHENTICATED (missing, malformed, unknown token) or UNAVAILABLE (the registry could not be asked)
     */
    public Future<String> authenticate(String authorization) {
        String token = bearerToken(authorization);
        if (token == null) {
            return Future.failedFuture(new GatewayException(GatewayException.Kind.UNAUTHENTICATED,
                    authorization == null ? "missing authorization metadata (expected 'Bearer <device token>')"
                            : "malformed authorization metadata (expected 'Bearer <device token>')"));
        }
        String hash = DeviceTokens.hash(token);
        // a failed registry call is kept as a value (expiring at once) rather than a failed future, which Caffeine
        // would log with a stack trace per miss during a database outage
        CompletableFuture<Lookup> lookup = cache.get(hash, (key, executor) -> lookUp(key));
        // the lookup may complete on another context's thread: come back to the caller's
        Context context = Vertx.currentContext();
        Future<Lookup> result = context == null
                ? Future.fromCompletionStage(lookup)
                : Future.fromCompletionStage(lookup, context);
        return result.compose(found -> {
            if (found.failure() != null) {
                LOG.warn("device registry lookup failed: {}", found.failure().toString());
                return Future.failedFuture(new GatewayException(GatewayException.Kind.UNAVAILABLE,
                        "device registry unavailable, retry later"));
            }
            return found.deviceId() != null
                    ? Future.succeededFuture(found.deviceId())
                    : Future.failedFuture(new GatewayException(GatewayException.Kind.UNAUTHENTICATED,
                            "unknown device token"));
        });
    }

    private CompletableFuture<Lookup> lookUp(String hash) {
        Future<String> found;
        try {
            found = registry.deviceIdForTokenHash(hash);
        } catch (RuntimeException e) {
            found = Future.failedFuture(e);
        }
        return found.transform(ar -> Future.succeededFuture(new Lookup(ar.result(), ar.cause())))
                .toCompletionStage()
                .toCompletableFuture();
    }

    /** The outcome of one registry lookup: a device id, null for an unknown token, or the failure. */
    private record Lookup(String deviceId, Throwable failure) {
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
