package io.berth.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Reads this process's mount table and takes mounts down, so that a daemon's leftovers never outlive a test. */
final class MountTable {

    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private MountTable() {
    }

    /** Mount points at or below {@code dir}, deepest first, so that each can be unmounted before its parent. */
    static List<Path> mountpointsUnder(Path dir) {
        Path base = dir.toAbsolutePath().normalize();
        try {
            return Files.readAllLines(MOUNTINFO).stream()
                    .map(MountTable::mountpointOf)
                    .filter(mountpoint -> mountpoint.startsWith(base))
                    .distinct()
                    .sorted(Comparator.comparingInt(Path::getNameCount).reversed())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Unmounts everything below {@code dir}; a busy mount is detached lazily rather than left behind. */
    static void unmountAllUnder(Path dir) {
        for (Path mountpoint : mountpointsUnder(dir)) {
            if (run("umount", mountpoint.toString()) != 0) {
                run("umount", "-l", mountpoint.toString());
            }
        }
        List<Path> left = mountpointsUnder(dir);
        if (!left.isEmpty()) {
            throw new IllegalStateException("could not unmount " + left);
        }
    }

    // mountinfo line: "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw"; field 5 is the mount point,
    // with space, tab, newline and backslash written as octal escapes.
    private static Path mountpointOf(String line) {
        return Path.of(unescapeOctal(line.split(" ")[4]));
    }

    private static String unescapeOctal(String field) {
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static int run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return -1;
            }
            return process.exitValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        }
    }
}
