package io.berth.snapshotter.apply;

import io.berth.snapshotter.fs.ImpliedDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Resolves layer paths inside a root the way the container will see them once the root is its {@code /}:
 * one component at a time, every symlink read and its target followed relative to the root (an absolute
 * target starts again at the root), as Go's securejoin or {@code openat2(RESOLVE_IN_ROOT)} do. Java never
 * gets to follow a link itself: each step is an lstat of a path made only of real directories.
 *
 * <p>Where securejoin would clamp a {@code ..} at the root, this refuses: a layer that climbs out of its
 * root through a link it then writes through is hostile or broken, and either way must not be applied.
 */
final class RootedResolver {
    /** As the kernel's MAXSYMLINKS. */
    private static final int MAX_LINKS = 40;

    private final Path root;
    /** Implied parents created so far: each is a directory the layer costs, entry or not. */
    private long created;
    /** The implied parents created, relative to the root, when asked to keep them. */
    private final List<Path> implied;

    RootedResolver(Path root, boolean keepImplied) {
        this.root = root;
        this.implied = keepImplied ? new ArrayList<>() : null;
    }

    RootedResolver(Path root) {
        this(root, false);
    }

    /** The implied parents this resolver created (when kept), in creation order: parents first. */
    List<Path> implied() {
        return implied == null ? List.of() : List.copyOf(implied);
    }

    Path root() {
        return root;
    }

    long createdDirs() {
        return created;
    }

    /**
     * The real directory that {@code components} name, following links inside the root. Missing
     * directories are created (mode 0755, as tar implementations do for implied parents) when
     * {@code create}; otherwise a missing one yields null.
     */
    Path resolveDir(List<String> components, String entry, boolean create) throws IOException {
        Deque<String> todo = new ArrayDeque<>(components);
        List<String> real = new ArrayList<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String c = todo.pollFirst();
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (real.isEmpty()) {
                    throw new UnsafeLayerException(entry, "its path leads above the root of the layer");
                }
                real.remove(real.size() - 1);
                continue;
            }
            Path here = join(real).resolve(c);
            BasicFileAttributes attrs = lstat(here);
            if (attrs == null) {
                if (!create) {
                    return null;
                }
                // A parent the layer implies without an entry of its own.
                ImpliedDirs.create(here);
                created++;
                if (implied != null) {
                    implied.add(root.relativize(here));
                }
                real.add(c);
            } else if (attrs.isSymbolicLink()) {
                if (++links > MAX_LINKS) {
                    throw new UnsafeLayerException(entry, "too many levels of symbolic links in its path");
                }
                String target = Files.readSymbolicLink(here).toString();
                if (target.startsWith("/")) {
                    real.clear();
                }
                List<String> parts = List.of(target.split("/"));
                for (int i = parts.size() - 1; i >= 0; i--) {
                    todo.addFirst(parts.get(i));
                }
            } else if (attrs.isDirectory()) {
                real.add(c);
            } else {
                throw new UnsafeLayerException(entry, "its path goes through '" + root.relativize(here)
                        + "', which is not a directory");
            }
        }
        return join(real);
    }

    private Path join(List<String> real) {
        Path p = root;
        for (String c : real) {
            p = p.resolve(c);
        }
        return p;
    }

    static BasicFileAttributes lstat(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * Splits an archive path into components: leading {@code /} and {@code ./} dropped (layer paths are
     * relative to the root whatever they start with), empty and {@code .} components dropped. A {@code ..}
     * component is refused outright: no image tool writes one, and it exists only to climb out.
     */
    static List<String> components(String path, String entry) {
        if (path.indexOf('\0') >= 0) {
            throw new UnsafeLayerException(entry, "its path contains a NUL byte");
        }
        List<String> out = new ArrayList<>();
        for (String c : path.split("/")) {
            if (c.equals("..")) {
                throw new UnsafeLayerException(entry, "its path has a '..' component");
            }
            if (!c.isEmpty() && !c.equals(".")) {
                out.add(c);
            }
        }
        return out;
    }
}
