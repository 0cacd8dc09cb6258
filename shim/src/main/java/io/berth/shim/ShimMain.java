package io.berth.shim;

import io.berth.linux.ChildProcesses;
import io.berth.linux.Posix;
import io.berth.shim.api.ShimConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code berth-shim <run-dir>}: one process per container. It reads {@code shim-config.pb} from the run
 * dir, becomes the subreaper of everything it starts, opens the CRI log, creates the container, then
 * serves the control socket until the container is deleted. Started detached ({@code setsid}) by
 * berthd, so it outlives the daemon. If it cannot create the container it writes why to
 * {@code create-error} and exits 1.
 *
 * <p>{@code --spare <socket> <berthd-pid>} starts a shim ahead of need: it waits, warmed up, until berthd hands it a run dir,
 * so creating a container does not wait for a JVM to boot. {@code --train} runs the create path's code
 * once without a container, for the class-data archive made at build time.
 */
public final class ShimMain {
    private ShimMain() {}

    public static void main(String[] args) {
        if (args.length == 3 && args[0].equals("--spare")) {
            run(SpareShim.awaitAssignment(Path.of(args[1]), Long.parseLong(args[2])));
        } else if (args.length == 2 && args[0].equals("--train")) {
            ShimTraining.exercise(Path.of(args[1]));
        } else if (args.length == 1) {
            run(Path.of(args[0]));
        } else {
            System.err.println("usage: berth-shim <run-dir> | --spare <socket> <berthd-pid> | --train <scratch-dir>");
            System.exit(2);
        }
    }

    /**
     * The OCI runtime inherits the shim's umask and creates the container's missing mount points, /dev entries and
     * the like with it. berthd runs under 0077 to keep its own state private; under that mask runc made, say, the
     * /mnt above an image volume 0700, which a non-root container cannot enter. 0022 is what containerd's and
     * CRI-O's runtimes run under. The shim's own files need no mask: they live in the 0700 run dir, and the CRI log
     * is opened with an explicit mode.
     */
    static final int RUNTIME_UMASK = 0022;

    private static void run(Path dir) {
        Posix.umask(RUNTIME_UMASK);
        RunDir runDir = new RunDir(dir.toAbsolutePath());
        Container container;
        try {
            ShimConfig config = ShimConfig.parseFrom(Files.readAllBytes(runDir.config()));
            Files.writeString(runDir.shimPid(), Long.toString(ProcessHandle.current().pid()));
            ChildProcesses.becomeChildSubreaper();
            Reaper reaper = Reaper.start();
            CriLog log = CriLog.open(Path.of(config.getLogPath()));
            RuntimeInvoker runtime = new RuntimeInvoker(config.getRuntime(), config.getRuntimeRoot(),
                    runDir.runtimeLog(), reaper);
            container = new Container(config, runDir, runtime, reaper, log);
            container.create();
            ShimLog.info("created container " + config.getId());
        } catch (IOException | RuntimeException e) {
            failCreate(runDir, e);
            return;
        }
        try {
            new ControlServer(runDir.socket(), container).serve();
        } catch (IOException e) {
            ShimLog.error("control socket failed: " + e);
            System.exit(1);
        }
    }

    private static void failCreate(RunDir runDir, Exception e) {
        String why = e.getMessage() != null ? e.getMessage() : e.toString();
        ShimLog.error("cannot create the container: " + why);
        try {
            Files.writeString(runDir.createError(), why, StandardCharsets.UTF_8);
        } catch (IOException ignored) {
            // The shim log above already says it.
        }
        System.exit(1);
    }
}
