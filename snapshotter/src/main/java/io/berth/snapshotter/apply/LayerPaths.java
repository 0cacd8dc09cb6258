package io.berth.snapshotter.apply;

import io.berth.linux.NoFollowFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Logger;

/**
 * What one layer did, by path relative to the root: which paths it wrote (a whiteout spares them and
 * their ancestors) and the times its directory entries carry (set last: creating children changes them).
 *
 * <p>A tree of path components rather than sets of paths: a set of whole paths costs each entry's depth
 * times its length for the ancestors alone, and a repeated entry ({@code a/} three million times) would
 * add to a list of times every time. Here memory grows only with the distinct names of the layer, which
 * the entry bound caps.
 */
final class LayerPaths {
    private static final Logger LOG = Logger.getLogger(LayerPaths.class.getName());

    private static final class Node {
        private final String name;
        private Map<String, Node> children;
        private boolean written;
        private boolean writtenBelow;
        private Instant dirTime;

        Node(String name) {
            this.name = name;
        }
    }

    private final Node top = new Node("");
    private long nodes;

    /** Distinct paths recorded: what the memory of this bookkeeping grows with. */
    long size() {
        return nodes;
    }

    private Node child(Node parent, String name, boolean create) {
        Node n = parent.children == null ? null : parent.children.get(name);
        if (n == null && create) {
            if (parent.children == null) {
                parent.children = new HashMap<>(4);
            }
            n = new Node(name);
            parent.children.put(name, n);
            nodes++;
        }
        return n;
    }

    /** {@code rel} and its ancestors: this layer wrote rel, so whiteouts must spare it. */
    void markWritten(Path rel) {
        Node n = top;
        for (Path c : rel) {
            if (c.toString().isEmpty()) {
                continue; // the root itself: relativize gives the empty path
            }
            n.writtenBelow = true;
            n = child(n, c.toString(), true);
        }
        n.written = true;
    }

    boolean written(Path rel) {
        Node n = find(rel);
        return n != null && n.written;
    }

    boolean writtenBelow(Path rel) {
        Node n = find(rel);
        return n != null && n.writtenBelow;
    }

    /** The time a directory entry gives; a repeated entry replaces it, as the last entry of a name wins. */
    void dirTime(Path rel, Instant mtime) {
        Node n = top;
        for (Path c : rel) {
            if (!c.toString().isEmpty()) {
                n = child(n, c.toString(), true);
            }
        }
        n.dirTime = mtime;
    }

    /**
     * Sets the recorded directory times. The path of each was resolved when its entry came, but a later
     * entry may since have replaced one of its parents with a symlink ({@code x/}, {@code x/probe/}, then
     * {@code x -> /host/dir}), and a time set by the old path would land wherever that link points. So the
     * tree is walked again from the root, each step an lstat that must find a real directory, and a
     * subtree whose directory is no longer one is skipped: its times belong to nothing left in the root.
     * Nothing but this extraction writes in the root meanwhile, so what the lstat saw is what the
     * utimensat ({@code AT_SYMLINK_NOFOLLOW}) acts on.
     */
    void applyDirTimes(Path root) throws IOException {
        Deque<Map.Entry<Node, Path>> todo = new ArrayDeque<>();
        todo.push(Map.entry(top, root));
        while (!todo.isEmpty()) {
            Map.Entry<Node, Path> next = todo.pop();
            Node n = next.getKey();
            Path dir = next.getValue();
            if (n.dirTime != null) {
                NoFollowFiles.setTimesNoFollow(dir, n.dirTime, n.dirTime);
            }
            if (n.children == null) {
                continue;
            }
            for (Node child : n.children.values()) {
                if (child.dirTime == null && child.children == null) {
                    continue; // a written file: nothing to set below it
                }
                Path p = dir.resolve(child.name);
                BasicFileAttributes attrs = RootedResolver.lstat(p);
                if (attrs != null && attrs.isDirectory()) {
                    todo.push(Map.entry(child, p));
                } else {
                    LOG.fine(() -> "not setting directory times under " + root.relativize(p)
                            + ": a later entry replaced it with " + (attrs == null ? "nothing" : "a non-directory"));
                }
            }
        }
    }

    private Node find(Path rel) {
        Node n = top;
        for (Path c : rel) {
            if (c.toString().isEmpty()) {
                continue;
            }
            n = child(n, c.toString(), false);
            if (n == null) {
                return null;
            }
        }
        return n;
    }
}
