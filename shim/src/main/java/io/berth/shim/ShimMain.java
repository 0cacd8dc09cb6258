package io.berth.shim;

import io.berth.linux.ChildProcesses;
import io.berth.linux.Posix;
import io.berth.linux.UnixSockets;
import io.berth.shim.api.HostState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code berth-shim --host <dir> --group <group>}: a shim host, which carries the shims of many
 * containers (see {@link ShimHost}). berthd starts it detached ({@code setsid}), so it outlives the
 * daemon; it becomes the subreaper of everything it starts and serves {@code <dir>/host.sock}.
 * {@code --resume <state>} is how an upgraded host takes over from its previous program image.
 * {@code --train <scratch>} runs the request path's code once without a container, for the class-data
 * archive made at build time.
 */
public final class ShimMain {
    private ShimMain() {}

    /**
     * The OCI runtime inherits the host's umask and creates the container's missing mount points, /dev
     * entries and the like with it. berthd runs under 0077 to keep its own state private; under that mask
     * runc made, say, the /mnt above an image volume 0700, which a non-root container cannot enter. 0022 is
     * what containerd's and CRI-O's runtimes run under. The host's own files need no mask: they live in
     * 0700 dirs, and the CRI logs are opened with an explicit mode.
     */
    static final int RUNTIME_UMASK = 0022;

    public static void main(String[] args) {
        if (args.length == 2 && args[0].equals("--train")) {
            ShimTraining.exercise(Path.of(args[1]));
        } else if ((args.length == 4 || args.length == 6) && args[0].equals("--host") && args[2].equals("--group")
                && (args.length == 4 || args[4].equals("--resume"))) {
            host(new HostDir(Path.of(args[1]).toAbsolutePath()), args[3], args.length == 6 ? Path.of(args[5]) : null);
        } else {
            System.err.println("usage: berth-shim --host <dir> --group <group> [--resume <state>]"
                    + " | --train <scratch-dir>");
            System.exit(2);
        }
    }

    private static void host(HostDir dir, String group, Path resumeFrom) {
        Posix.umask(RUNTIME_UMASK);
        try {
            ChildProcesses.becomeChildSubreaper();
            HostState resumed = resumeFrom != null ? HostUpgrade.resume(resumeFrom) : null;
            HostEvents events = new HostEvents();
            ShimHost host = new ShimHost(dir, group, events);
            int listenFd;
            if (resumed != null) {
                listenFd = resumed.getListenFd();
                host.resume(resumed);
            } else {
                Files.deleteIfExists(dir.socket()); // left by a host of this dir that died
                listenFd = UnixSockets.listen(dir.socket(), 128);
                Files.writeString(dir.group(), group, StandardCharsets.UTF_8);
            }
            Files.writeString(dir.pid(), Long.toString(ProcessHandle.current().pid()), StandardCharsets.UTF_8);
            HostServer server = new HostServer(host, listenFd, events, new HostUpgrade(host));
            server.start();
            ShimLog.info("shim host " + group + " serving " + dir.socket() + (resumed != null ? " (upgraded)" : ""));
        } catch (Exception e) {
            ShimLog.error("the shim host cannot start: " + e);
            System.exit(1);
        }
        // The loop and the workers are daemon threads: main waits here for ever, keeping the JVM up.
        while (true) {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
