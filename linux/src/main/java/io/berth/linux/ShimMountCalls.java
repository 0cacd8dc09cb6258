package io.berth.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;

/** mount(2) and umount2(2) as the shim uses them for a container's rootfs; {@link ShimMounts} is the facade. */
final class ShimMountCalls {
    static {
        Native.register(ShimMountCalls.class, "c");
    }

    private ShimMountCalls() {}

    static native int mount(String source, String target, String fsType, long flags, String data)
            throws LastErrorException;

    static native int umount2(String target, int flags) throws LastErrorException;
}
