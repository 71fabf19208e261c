package org.smartenergy.platform.domain;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Device credentials. A token is 256 random bits, base64url-encoded; only its SHA-256 is stored. A plain hash (no
 * salt, no slow KDF) is enough because the token has full entropy: it cannot be guessed, only stolen.
 */
public final class DeviceTokens {

    private static final SecureRandom RANDOM = new SecureRandom();

    private DeviceTokens() {
    }

    /** @return a fresh random token, to be shown once to the operator */
    public static String newToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** @return the hex SHA-256 of the token: what is stored and looked up */
    public static String hash(String token) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JRE", e);
        }
    }
}
