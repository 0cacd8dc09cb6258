package io.berth.linux;

import com.sun.jna.Memory;
import java.nio.charset.StandardCharsets;

/**
 * {@code struct sockaddr_un} for a filesystem path or, written with a leading {@code '@'} as systemd and
 * ss(8) do, a name in the abstract namespace.
 */
final class UnixAddress {
    private static final int SUN_PATH_BYTES = 108;
    private static final int FAMILY_BYTES = 2;

    private UnixAddress() {}

    /** A path (NUL-terminated), or an abstract name when {@code address} starts with {@code '@'}. */
    static Memory of(String address) {
        if (address.startsWith("@")) {
            return abstractName(address.substring(1));
        }
        return path(address);
    }

    // The length passed with it counts the path's terminating NUL, so the path itself has one byte less.
    static Memory path(String path) {
        if (path.isEmpty()) {
            throw new IllegalArgumentException("empty unix socket path");
        }
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        if (name.length >= SUN_PATH_BYTES) {
            throw new IllegalArgumentException("socket path longer than " + (SUN_PATH_BYTES - 1) + " bytes: " + path);
        }
        return withName(name, 0, 1);
    }

    // sun_path starts with a NUL byte, and every byte after it up to the passed length is the name: the
    // length ends with the name's last byte, and a trailing NUL would be part of another name.
    private static Memory abstractName(String abstractName) {
        byte[] name = abstractName.getBytes(StandardCharsets.UTF_8);
        if (name.length + 1 > SUN_PATH_BYTES) {
            throw new IllegalArgumentException("abstract socket name longer than " + (SUN_PATH_BYTES - 1)
                    + " bytes: @" + abstractName);
        }
        return withName(name, 1, 0);
    }

    // The Memory's size is the length to pass to bind/connect/sendto.
    private static Memory withName(byte[] name, int leadingNul, int trailingNul) {
        Memory addr = new Memory(FAMILY_BYTES + leadingNul + name.length + trailingNul);
        addr.clear();
        addr.setShort(0, (short) FdCalls.AF_UNIX);
        addr.write(FAMILY_BYTES + leadingNul, name, 0, name.length);
        return addr;
    }
}
