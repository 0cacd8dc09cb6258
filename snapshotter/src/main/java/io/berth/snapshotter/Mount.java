package io.berth.snapshotter;

import io.berth.linux.MountOptions;
import io.berth.linux.Mounts;
import java.util.List;

/**
 * One mount to make, in the shape of containerd's {@code mount.Mount} so that whoever mounts it (the shim)
 * follows the same rules: {@code type} is the filesystem type ({@code overlay}, {@code bind}),
 * {@code options} are what mount(8) would take, {@code ro}/{@code rw}/{@code rbind} included.
 */
public record Mount(String type, String source, List<String> options) {
    public Mount {
        options = List.copyOf(options);
    }

    /** Read as mount(8) reads the list: the last of {@code ro} and {@code rw} wins. */
    public boolean readOnly() {
        return (MountOptions.parse(options).flags() & Mounts.MS_RDONLY) != 0;
    }
}
