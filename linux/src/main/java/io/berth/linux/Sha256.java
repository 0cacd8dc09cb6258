package io.berth.linux;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * SHA-256 hashers for content: libcrypto's where it loads, the JDK's otherwise. Every pulled byte is hashed
 * twice (the blob's digest and the layer's diffID). The JDK's SHA-256 uses the CPU's SHA instructions only once
 * C2 has compiled it; berthd runs C1 alone, which keeps it clear of C2's memory (README, "berthd's JVM"), and
 * there the JDK hashes at about a tenth of libcrypto's speed.
 */
public final class Sha256 {
    private static final Logger LOG = Logger.getLogger(Sha256.class.getName());
    private static final boolean NATIVE = loadNative();

    private Sha256() {}

    /** A fresh hasher; {@link MessageDigest}'s contract, not thread-safe. */
    public static MessageDigest newHasher() {
        return NATIVE ? new NativeHasher() : jdkHasher();
    }

    /** Whether hashers come from libcrypto. */
    public static boolean isNative() {
        return NATIVE;
    }

    static MessageDigest jdkHasher() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    private static boolean loadNative() {
        try {
            // Checked against a known answer, so that a library that loads but misbehaves is never used.
            NativeHasher probe = new NativeHasher();
            probe.update(new byte[] {'a', 'b', 'c'});
            return Arrays.equals(probe.digest(), jdkHasher().digest(new byte[] {'a', 'b', 'c'}));
        } catch (LinkageError | RuntimeException e) {
            LOG.log(Level.INFO, "libcrypto.so.3 is not usable (" + e + "); hashing with the JDK's SHA-256");
            return false;
        }
    }

    /**
     * One libcrypto SHA-256 context and a staging area in one native allocation, freed with this object. Input is
     * copied into the staging area, exactly the bytes given, and hashed from there: direct mapping would otherwise
     * copy a whole array per call, and a slice that does not start at 0 not at all.
     */
    private static final class NativeHasher extends MessageDigest {
        private static final int STAGING_BYTES = 16 * 1024;

        private final Memory memory = new Memory(CryptoCalls.CONTEXT_BYTES + STAGING_BYTES);
        private final Pointer context = memory.share(0, CryptoCalls.CONTEXT_BYTES);
        private final Pointer staging = memory.share(CryptoCalls.CONTEXT_BYTES, STAGING_BYTES);
        private int staged;

        NativeHasher() {
            super("SHA-256");
            engineReset();
        }

        @Override
        protected int engineGetDigestLength() {
            return CryptoCalls.DIGEST_BYTES;
        }

        @Override
        protected void engineUpdate(byte input) {
            if (staged == STAGING_BYTES) {
                hashStaged();
            }
            staging.setByte(staged++, input);
        }

        @Override
        protected void engineUpdate(byte[] input, int offset, int length) {
            while (length > 0) {
                if (staged == STAGING_BYTES) {
                    hashStaged();
                }
                int n = Math.min(length, STAGING_BYTES - staged);
                staging.write(staged, input, offset, n);
                staged += n;
                offset += n;
                length -= n;
            }
        }

        @Override
        protected byte[] engineDigest() {
            hashStaged();
            byte[] digest = new byte[CryptoCalls.DIGEST_BYTES];
            check(CryptoCalls.SHA256_Final(digest, context), "SHA256_Final");
            engineReset();
            return digest;
        }

        @Override
        protected void engineReset() {
            staged = 0;
            check(CryptoCalls.SHA256_Init(context), "SHA256_Init");
        }

        private void hashStaged() {
            if (staged > 0) {
                check(CryptoCalls.SHA256_Update(context, staging, staged), "SHA256_Update");
                staged = 0;
            }
        }

        private static void check(int result, String call) {
            if (result != 1) {
                throw new IllegalStateException("libcrypto " + call + " failed");
            }
        }
    }
}
