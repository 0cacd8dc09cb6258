package io.berth.server.container.spec;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** The few questions the spec builder asks the host's filesystem; a fake in tests, {@link PosixHostFilesystem} in berthd. */
public interface HostFilesystem {
    /** Whether something exists at the absolute host path (following symlinks). */
    boolean exists(String path);

    /** The device node at the host path (symlinks followed), or empty when it is missing or not a device. */
    Optional<DeviceNode> device(String path);

    /** Every device node under the host's {@code /dev}, for privileged containers. */
    List<DeviceNode> hostDevices();

    /**
     * Reads a whole regular file of at most {@code maxBytes}; empty when it does not exist.
     *
     * @throws java.io.IOException when it is larger, not a regular file, or unreadable
     */
    Optional<byte[]> readFile(String path, int maxBytes) throws IOException;
}
