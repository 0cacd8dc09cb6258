package io.berth.server.container;

import io.berth.server.container.spec.ImageProcessDefaults;
import io.berth.snapshotter.MountedView;
import io.berth.snapshotter.Snapshotter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A committed snapshot holding busybox and a tiny /etc, standing in for a pulled image in unit tests. */
final class BusyboxImage {
    static final String KEY = "busybox-image";
    static final String ID = "sha256:" + "b".repeat(64);

    private BusyboxImage() {}

    static LocalImage commit(Snapshotter snapshotter, Path scratch, ImageProcessDefaults config) throws Exception {
        if (snapshotter.list().stream().noneMatch(i -> i.name().equals(KEY))) {
            var mounts = snapshotter.prepare(KEY + "-active", null);
            Path target = Files.createDirectories(scratch.resolve("image-mnt"));
            try (MountedView view = MountedView.mount(mounts, target)) {
                Path root = view.path();
                Files.createDirectories(root.resolve("bin"));
                Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
                for (String applet : List.of("sh", "echo", "cat", "id", "sleep", "ps", "touch", "pwd", "ls", "head",
                        "tr", "grep", "env", "true")) {
                    Files.createSymbolicLink(root.resolve("bin/" + applet), Path.of("busybox"));
                }
                Files.createDirectories(root.resolve("etc"));
                Files.writeString(root.resolve("etc/passwd"),
                        "root:x:0:0:root:/root:/bin/sh\napp:x:1234:1234:app:/home/app:/bin/sh\n");
                Files.writeString(root.resolve("etc/group"), "root:x:0:\napp:x:1234:\nextra:x:2000:app\n");
                Files.createDirectories(root.resolve("tmp"));
            }
            snapshotter.commit(KEY, KEY + "-active");
        }
        return new LocalImage(ID, "test/busybox@" + ID, "test/busybox:latest", config, KEY);
    }

    static ImageProcessDefaults config() {
        return new ImageProcessDefaults("", List.of("PATH=/bin", "FROM_IMAGE=yes"), List.of(), List.of("/bin/sh"),
                "", "");
    }
}
