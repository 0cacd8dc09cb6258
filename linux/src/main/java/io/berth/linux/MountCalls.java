package io.berth.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;

/**
 * Raw mount(2) and umount2(2), bound with JNA direct mapping. Paths are passed as NUL-terminated bytes
 * (see {@link NativePaths}) so that a file name reaches the kernel exactly as Java NIO would spell it.
 */
final class MountCalls {
    static {
        Native.register(MountCalls.class, "c");
    }

    private MountCalls() {}

    static native int mount(byte[] source, byte[] target, byte[] fstype, long flags, byte[] data)
            throws LastErrorException;

    static native int umount2(byte[] target, int flags) throws LastErrorException;
}
