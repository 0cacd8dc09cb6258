package io.berth.e2e.pods;

import io.berth.e2e.fixtures.LayerBuilder;
import io.berth.e2e.fixtures.TestImage;

/**
 * The one image the pod tests run: Debian's static busybox with the applets they use, an {@code /etc/passwd}
 * and {@code /etc/group} with a user that has a supplementary group, and a config whose ENTRYPOINT, CMD, Env and
 * WorkingDir are all set, so that every test shows which of them a container really got.
 */
public final class BusyboxImage {
    public static final String REPOSITORY = "pods/busybox";
    public static final String TAG = "e2e";

    /** The image's ENTRYPOINT and CMD: a container that names no command prints {@code entry cmd}. */
    public static final String[] ENTRYPOINT = {"/bin/echo", "entry"};
    public static final String[] CMD = {"cmd"};
    public static final String WORKING_DIR = "/srv";
    public static final String IMAGE_ENV = "FROM_IMAGE=yes";

    /** A user of the image, whose primary group is its own and who is also a member of {@code extra}. */
    public static final String USER = "app";
    public static final int USER_UID = 1234;
    public static final int USER_GID = 1234;
    public static final int EXTRA_GID = 2000;

    private static final String[] APPLETS = {
        "sh", "echo", "cat", "id", "pwd", "env", "sleep", "ps", "hostname", "ls", "grep", "touch", "head", "tr",
        "readlink", "ln", "true", "false", "kill", "wc", "test", "printf", "seq", "rm", "mkdir", "stat", "dd", "yes",
    };

    private BusyboxImage() {
    }

    public static TestImage build() {
        LayerBuilder layer = new LayerBuilder()
                .busybox(APPLETS)
                .dir("etc", 0755)
                .file("etc/passwd", 0644, "root:x:0:0:root:/root:/bin/sh\n"
                        + USER + ":x:" + USER_UID + ":" + USER_GID + ":app:/home/app:/bin/sh\n"
                        + "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
                .file("etc/group", 0644, "root:x:0:\n"
                        + USER + ":x:" + USER_GID + ":\n"
                        + "extra:x:" + EXTRA_GID + ":" + USER + "\n"
                        + "nogroup:x:65534:\n")
                .dir("tmp", 01777)
                .dir("srv", 0755)
                .dir("root", 0700);
        return TestImage.builder()
                .layer(layer.build(LayerBuilder.Compression.GZIP))
                .entrypoint(ENTRYPOINT)
                .cmd(CMD)
                .env("PATH=/bin", IMAGE_ENV)
                .workingDir(WORKING_DIR)
                .build();
    }
}
