package io.berth.server.container.spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** {@link HostFilesystem} on the real host, through the JDK's {@code unix:} file attributes (stat(2)). */
public final class PosixHostFilesystem implements HostFilesystem {
    private static final int S_IFMT = 0170000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFBLK = 0060000;
    /** Directories under /dev that hold no device a privileged container should get (runc/containerd skip them). */
    private static final Set<String> SKIPPED_DEV_DIRS = Set.of("pts", "shm", "fd", "mqueue", ".lxc",
            ".lxd-mounts", ".udev");

    private final Path devRoot;

    public PosixHostFilesystem() {
        this(Path.of("/dev"));
    }

    PosixHostFilesystem(Path devRoot) {
        this.devRoot = devRoot;
    }

    @Override
    public boolean exists(String path) {
        return Files.exists(Path.of(path));
    }

    @Override
    public Optional<DeviceNode> device(String path) {
        try {
            Path real = Path.of(path).toRealPath();
            return node(real, path, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public List<DeviceNode> hostDevices() {
        List<DeviceNode> out = new ArrayList<>();
        collect(devRoot, out);
        return out;
    }

    private void collect(Path dir, List<DeviceNode> out) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    if (!SKIPPED_DEV_DIRS.contains(name)) {
                        collect(p, out);
                    }
                } else if (!name.equals("console")) {
                    // /dev/console is the runtime's to set up (a pty when terminal is true).
                    node(p, p.toString(), LinkOption.NOFOLLOW_LINKS).ifPresent(out::add);
                }
            }
        } catch (IOException e) {
            // A directory that vanishes or cannot be read while walking /dev has no device for us.
        }
    }

    private static Optional<DeviceNode> node(Path p, String reportedPath, LinkOption... options) throws IOException {
        int mode = (Integer) Files.getAttribute(p, "unix:mode", options);
        String type = switch (mode & S_IFMT) {
            case S_IFCHR -> "c";
            case S_IFBLK -> "b";
            default -> null;
        };
        if (type == null) {
            return Optional.empty();
        }
        long rdev = (Long) Files.getAttribute(p, "unix:rdev", options);
        // glibc's gnu_dev_major/minor encoding of dev_t.
        long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
        long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
        int uid = (Integer) Files.getAttribute(p, "unix:uid", options);
        int gid = (Integer) Files.getAttribute(p, "unix:gid", options);
        return Optional.of(new DeviceNode(reportedPath, type, major & 0xffffffffL, minor & 0xffffffffL,
                mode & 07777, Integer.toUnsignedLong(uid), Integer.toUnsignedLong(gid)));
    }

    @Override
    public Optional<byte[]> readFile(String path, int maxBytes) throws IOException {
        Path p = Path.of(path);
        if (!Files.exists(p)) {
            return Optional.empty();
        }
        if (!Files.isRegularFile(p)) {
            throw new IOException("not a regular file");
        }
        try (InputStream in = Files.newInputStream(p)) {
            byte[] bytes = in.readNBytes(maxBytes + 1);
            if (bytes.length > maxBytes) {
                throw new IOException("larger than " + maxBytes + " bytes");
            }
            return Optional.of(bytes);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }
}
