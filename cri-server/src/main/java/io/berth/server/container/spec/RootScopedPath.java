package io.berth.server.container.spec;

import io.berth.common.error.InvalidArgumentException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Resolves a path inside a container root filesystem the way the container itself would see it: symlinks are
 * followed, but an absolute target restarts at the root and {@code ..} stops at the root. So an image whose
 * {@code /etc/passwd} points at {@code /host/etc/passwd} or {@code ../../../etc/passwd} reads its own files,
 * never the host's. The result may not exist.
 */
public final class RootScopedPath {
    /** Linux gives up after 40 links in one lookup; a few more costs nothing and keeps odd images working. */
    static final int MAX_SYMLINKS = 64;

    private RootScopedPath() {}

    public static Path resolve(Path root, String pathInContainer) {
        Deque<String> pending = new ArrayDeque<>();
        pushFront(pending, pathInContainer);
        List<String> resolved = new ArrayList<>();
        int links = 0;
        while (!pending.isEmpty()) {
            String part = pending.pollFirst();
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!resolved.isEmpty()) {
                    resolved.remove(resolved.size() - 1);
                }
                continue;
            }
            Path candidate = join(root, resolved).resolve(part);
            if (Files.isSymbolicLink(candidate)) {
                if (++links > MAX_SYMLINKS) {
                    throw new InvalidArgumentException("too many levels of symbolic links resolving '"
                            + pathInContainer + "' in the container root filesystem");
                }
                String target;
                try {
                    target = Files.readSymbolicLink(candidate).toString();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read link " + candidate, e);
                }
                if (target.startsWith("/")) {
                    resolved.clear();
                }
                pushFront(pending, target);
            } else {
                resolved.add(part);
            }
        }
        return join(root, resolved);
    }

    private static void pushFront(Deque<String> pending, String path) {
        String[] parts = path.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            pending.addFirst(parts[i]);
        }
    }

    private static Path join(Path root, List<String> parts) {
        Path p = root;
        for (String part : parts) {
            p = p.resolve(part);
        }
        return p;
    }
}
