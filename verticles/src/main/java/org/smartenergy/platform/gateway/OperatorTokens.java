package org.smartenergy.platform.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Operator credentials: HS256 JWTs with the claim {@value #ROLES_CLAIM} (array of {@link #ADMIN} / {@link #VIEWER}),
 * issued and verified with the gateway's {@code jwtSecret} and {@code jwtIssuer}.
 */
public final class OperatorTokens {

    /** The claim holding the operator's roles. */
    public static final String ROLES_CLAIM = "roles";
    /** May provision devices and read everything. */
    public static final String ADMIN = "admin";
    /** May read devices and usage. */
    public static final String VIEWER = "viewer";
    static final String ALGORITHM = "HS256";

    private OperatorTokens() {
    }

    /**
     * Mints an operator token (for the {@code mint-admin-token} command and for tests).
     *
     * @param secret  the gateway's jwtSecret (at least {@value GatewayOptions#MIN_JWT_SECRET_LENGTH} characters)
     * @param issuer  the gateway's jwtIssuer
     * @param subject who the token is for (logged by the gateway)
     * @param roles   e.g. {@code List.of("admin")}
     * @param ttl     validity, at least one second
     */
    public static String mint(Vertx vertx, String secret, String issuer, String subject, List<String> roles,
                              Duration ttl) {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(roles, "roles");
        if (secret == null || secret.length() < GatewayOptions.MIN_JWT_SECRET_LENGTH) {
            throw new IllegalArgumentException("the JWT secret must be at least "
                    + GatewayOptions.MIN_JWT_SECRET_LENGTH + " characters");
        }
        if (ttl.getSeconds() < 1 || ttl.getSeconds() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("ttl must be between 1 second and " + Integer.MAX_VALUE + " seconds");
        }
        JWTOptions options = new JWTOptions()
                .setAlgorithm(ALGORITHM)
                .setIssuer(issuer)
                .setSubject(subject)
                .setExpiresInSeconds((int) ttl.getSeconds());
        return provider(vertx, secret, issuer)
                .generateToken(new JsonObject().put(ROLES_CLAIM, new JsonArray(List.copyOf(roles))), options);
    }

    /** @return a provider that verifies signature, expiry and issuer of operator tokens */
    static JWTAuth provider(Vertx vertx, String secret, String issuer) {
        return JWTAuth.create(vertx, new JWTAuthOptions()
                .addPubSecKey(new PubSecKeyOptions().setAlgorithm(ALGORITHM).setBuffer(secret))
                .setJWTOptions(new JWTOptions().setIssuer(issuer)));
    }
}
