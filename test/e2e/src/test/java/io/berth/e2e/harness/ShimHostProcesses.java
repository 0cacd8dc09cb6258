package io.berth.e2e.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The shim hosts of one berthd, found by the pid files in its state dir ({@code shims/<group>/host.pid}).
 * Hosts outlive berthd on purpose, so a test that ends its berthd ends them too: only pids whose command
 * line is a shim host serving a dir of this state dir.
 */
public final class ShimHostProcesses {
    private ShimHostProcesses() {
    }

    /** Live host pids under {@code state}. */
    public static List<Long> list(Path state) {
        Path shims = state.resolve("shims");
        List<Long> pids = new ArrayList<>();
        if (!Files.isDirectory(shims)) {
            return pids;
        }
        try (Stream<Path> dirs = Files.list(shims)) {
            for (Path dir : dirs.toList()) {
                Path pidFile = dir.resolve("host.pid");
                if (!Files.exists(pidFile)) {
                    continue;
                }
                long pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.UTF_8).trim());
                if (isHostOf(pid, dir)) {
                    pids.add(pid);
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot list the shim hosts under " + shims + ": " + e.getMessage(), e);
        }
        return pids;
    }

    /** SIGKILLs every host of {@code state} and waits until each is gone. */
    public static void killAll(Path state) {
        for (long pid : list(state)) {
            ProcessHandle.of(pid).ifPresent(p -> {
                p.destroyForcibly();
                p.onExit().join();
            });
        }
    }

    private static boolean isHostOf(long pid, Path dir) {
        try {
            String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline"), StandardCharsets.UTF_8);
            return cmdline.contains("io.berth.shim.ShimMain") && cmdline.contains(dir.toAbsolutePath().toString());
        } catch (IOException e) {
            return false;
        }
    }
}
