package io.berth.linux;

import com.sun.jna.Memory;
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
     * One libcrypto SHA-256 context in native memory, freed with this object. Single bytes are gathered in a
     * small array first, since one native call per byte would cost more than the hashing.
     */
    private static final class NativeHasher extends MessageDigest {
        private static final int GATHER_BYTES = 64;

        private final Memory context = new Memory(CryptoCalls.CONTEXT_BYTES);
        private final byte[] gathered = new byte[GATHER_BYTES];
        private int gatheredCount;

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
            if (gatheredCount == GATHER_BYTES) {
                flushGathered();
            }
            gathered[gatheredCount++] = input;
        }

        @Override
        protected void engineUpdate(byte[] input, int offset, int length) {
            if (length == 0) {
                return;
            }
            if (length < GATHER_BYTES) {
                for (int i = 0; i < length; i++) {
                    engineUpdate(input[offset + i]);
                }
                return;
            }
            flushGathered();
            // Direct mapping passes a whole array: a slice that does not start at 0 is copied out first.
            byte[] slice = offset == 0 ? input : Arrays.copyOfRange(input, offset, offset + length);
            check(CryptoCalls.SHA256_Update(context, slice, length), "SHA256_Update");
        }

        @Override
        protected byte[] engineDigest() {
            flushGathered();
            byte[] digest = new byte[CryptoCalls.DIGEST_BYTES];
            check(CryptoCalls.SHA256_Final(digest, context), "SHA256_Final");
            engineReset();
            return digest;
        }

        @Override
        protected void engineReset() {
            gatheredCount = 0;
            check(CryptoCalls.SHA256_Init(context), "SHA256_Init");
        }

        private void flushGathered() {
            if (gatheredCount > 0) {
                check(CryptoCalls.SHA256_Update(context, gathered, gatheredCount), "SHA256_Update");
                gatheredCount = 0;
            }
        }

        private static void check(int result, String call) {
            if (result != 1) {
                throw new IllegalStateException("libcrypto " + call + " failed");
            }
        }
    }
}
