package io.berth.server.image.content;

import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import io.berth.linux.Sha256;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest as the OCI image spec writes it ({@code sha256:<64 hex>}). Only the two registered
 * algorithms are accepted, with their exact hex length in lower case, so that a digest can safely become
 * a file name under the content store.
 */
public record Digest(String algorithm, String hex) {
    public static final String SHA256 = "sha256";
    public static final String SHA512 = "sha512";
    private static final Pattern LOWER_HEX = Pattern.compile("[0-9a-f]+");

    public Digest {
        int expected = hexLength(algorithm);
        if (hex == null || hex.length() != expected || !LOWER_HEX.matcher(hex).matches()) {
            throw new InvalidArgumentException("digest " + algorithm + ":" + Require.printable(String.valueOf(hex))
                    + " is invalid: " + algorithm + " needs " + expected + " lowercase hex characters");
        }
    }

    /** Parses {@code algorithm:hex}; anything else is an {@link InvalidArgumentException}. */
    public static Digest parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new InvalidArgumentException("digest is empty");
        }
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new InvalidArgumentException(
                    "digest '" + Require.printable(text) + "' is invalid: expected <algorithm>:<hex>, e.g. sha256:...");
        }
        return new Digest(text.substring(0, colon), text.substring(colon + 1));
    }

    /** Digest of bytes already in memory (manifests, configs: small by construction). */
    public static Digest sha256Of(byte[] content) {
        return new Digest(SHA256, HexFormat.of().formatHex(newSha256().digest(content)));
    }

    /** A fresh hasher for this digest's algorithm. */
    public MessageDigest newHasher() {
        if (algorithm.equals(SHA256)) {
            return Sha256.newHasher();
        }
        try {
            return MessageDigest.getInstance("SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + algorithm, e);
        }
    }

    /** Whether the finished hash equals this digest. */
    public boolean matches(MessageDigest finishedHasher) {
        return hex.equals(HexFormat.of().formatHex(finishedHasher.digest()));
    }

    public boolean matches(byte[] content) {
        MessageDigest hasher = newHasher();
        hasher.update(content);
        return matches(hasher);
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }

    private static int hexLength(String algorithm) {
        if (SHA256.equals(algorithm)) {
            return 64;
        }
        if (SHA512.equals(algorithm)) {
            return 128;
        }
        throw new InvalidArgumentException("digest algorithm '" + Require.printable(String.valueOf(algorithm))
                + "' is not supported: use sha256 or sha512");
    }

    /** A fresh SHA-256 hasher, for content whose digest is not known yet (an archive's unnamed members). */
    public static MessageDigest newSha256() {
        return Sha256.newHasher();
    }
}
