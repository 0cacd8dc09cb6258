package io.berth.linux;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * libcrypto's (OpenSSL 3) SHA-256, bound with JNA direct mapping by its soname: the unversioned
 * {@code libcrypto.so} exists only where the development package is installed. Package-private: the rest of
 * berth uses {@link Sha256}.
 */
final class CryptoCalls {
    /** {@code sizeof(SHA256_CTX)} is 112 bytes on every 64-bit OpenSSL 3; the spare room costs nothing. */
    static final int CONTEXT_BYTES = 128;
    static final int DIGEST_BYTES = 32;

    static {
        Native.register(CryptoCalls.class, "libcrypto.so.3");
    }

    private CryptoCalls() {}

    static native int SHA256_Init(Pointer context);

    static native int SHA256_Update(Pointer context, Pointer data, long length);

    static native int SHA256_Final(byte[] digest, Pointer context);
}
