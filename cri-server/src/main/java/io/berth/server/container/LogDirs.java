package io.berth.server.container;

import io.berth.common.error.InvalidArgumentException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The directories above a container's CRI log. berthd creates them as root, so it must never follow a symlink on the
 * way: a link planted where the log's directory should be would make berthd create directories (and the shim a log)
 * wherever it points. Each step is checked without following links and created one at a time; a symlink is refused.
 * Below {@code base} only (the pod's log_directory, which kubelet names), or from the root for an absolute log_path.
 */
final class LogDirs {
    private LogDirs() {}

    /** Makes the parent directories of {@code logFile} below {@code base}; refuses any of them that is a symlink. */
    static void createParents(Path base, Path logFile) throws IOException {
        Path parent = logFile.getParent();
        if (parent == null || !parent.startsWith(base)) {
            throw new IllegalArgumentException(logFile + " is not below " + base);
        }
        // The log directory itself is kubelet's to name (crictl users may name one that does not exist yet).
        Files.createDirectories(base);
        Path dir = base;
        for (Path name : base.relativize(parent)) {
            dir = dir.resolve(name);
            if (Files.isSymbolicLink(dir)) {
                throw new InvalidArgumentException("config.log_path: " + dir + " is a symbolic link; berth does not"
                        + " follow links on the way to a container log");
            }
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.createDirectory(dir);
                } catch (FileAlreadyExistsException raced) {
                    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                        throw new InvalidArgumentException("config.log_path: " + dir + " exists and is not a directory");
                    }
                }
            }
        }
    }
}
